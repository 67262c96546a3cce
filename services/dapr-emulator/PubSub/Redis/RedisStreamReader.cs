using System.Globalization;
using StackExchange.Redis;

namespace Suite.DaprEmulator.PubSub.Redis;

// Issues the blocking XREADGROUP … BLOCK for one subscription on a connection of its own.
// StackExchange.Redis pipelines all commands of a multiplexer over one socket and has no BLOCK
// option, so a block on the shared multiplexer would stall every publish and ack behind it. A
// dedicated multiplexer, whose command timeout exceeds the block time, keeps the read a real
// server-side block (push-like latency, no polling) without a hand-written RESP client, and
// closing it ends an in-flight block at once so disposal never waits out the block.
internal sealed class RedisStreamReader : IAsyncDisposable
{
    // Short enough that a half-open socket is noticed quickly; the block is re-issued at once, so
    // the length costs no latency.
    private static readonly TimeSpan BlockTime = TimeSpan.FromSeconds(2);

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly object[] _arguments;
    private int _disposed;

    private RedisStreamReader(ConnectionMultiplexer connection, object[] arguments)
    {
        _connection = connection;
        _database = connection.GetDatabase();
        _arguments = arguments;
    }

    public static async Task<RedisStreamReader> ConnectAsync(
        ConfigurationOptions sharedOptions,
        string topic,
        string consumerId,
        int count,
        CancellationToken cancellationToken)
    {
        var options = sharedOptions.Clone();
        var timeout = (int)(BlockTime + TimeSpan.FromSeconds(10)).TotalMilliseconds;
        options.AsyncTimeout = Math.Max(options.AsyncTimeout, timeout);
        options.SyncTimeout = Math.Max(options.SyncTimeout, timeout);

        // The reply is parsed by hand below; RESP2 keeps its shape a plain nested array.
        options.Protocol = RedisProtocol.Resp2;

        var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
        object[] arguments =
        [
            "GROUP", consumerId, consumerId,
            "COUNT", count.ToString(CultureInfo.InvariantCulture),
            "BLOCK", ((long)BlockTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "STREAMS", topic, ">",
        ];
        return new RedisStreamReader(connection, arguments);
    }

    // Returns the new entries, or none when the block timed out.
    // Throws RedisServerException on server errors, e.g. NOGROUP once the stream or group vanished.
    public async Task<IReadOnlyList<RedisStreamMessage>> ReadAsync(CancellationToken cancellationToken)
    {
        var reply = await _database.ExecuteAsync("XREADGROUP", _arguments).WaitAsync(cancellationToken);
        return Parse(reply);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _connection.CloseAsync(allowCommandsToComplete: false);
        await _connection.DisposeAsync();
    }

    // Reply: [[stream, [[id, [field, value, …]], …]], …], or nil when the block timed out.
    private static List<RedisStreamMessage> Parse(RedisResult reply)
    {
        var messages = new List<RedisStreamMessage>();
        if (reply.IsNull)
        {
            return messages;
        }

        foreach (var stream in (RedisResult[])reply!)
        {
            var streamParts = (RedisResult[])stream!;
            foreach (var entry in (RedisResult[])streamParts[1]!)
            {
                var entryParts = (RedisResult[])entry!;
                if (entryParts[1].IsNull)
                {
                    continue;
                }

                var fields = (RedisResult[])entryParts[1]!;
                var pairs = new List<(RedisValue, RedisValue)>(fields.Length / 2);
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    pairs.Add(((RedisValue)fields[i], (RedisValue)fields[i + 1]));
                }

                messages.Add(RedisStreamMessage.FromFields((string)entryParts[0]!, pairs));
            }
        }

        return messages;
    }
}
