using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// A room streaming through a fault: one WebSocket sender sends numbered messages, each followed by a
/// ping, so it knows from the pong (and no <c>error</c> before it) which were accepted, and sends a
/// refused one again with the same frame id (the room's idempotency key) as a client would. Receivers
/// keep every frame of every connection they had; a receiver that resumes opens a new connection and
/// joins with <c>since</c> = the last seq it received in order, dropping what its old connection got
/// after that (a client shows a message once, in seq order).
/// </summary>
internal sealed class RoomStream : IAsyncDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly SuiteFixture _suite;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly List<RoomTraffic.Sent> _sent = [];
    private Connection? _sender;

    private RoomStream(SuiteFixture suite, string room)
    {
        _suite = suite;
        Room = room;
    }

    public string Room { get; }

    public List<Receiver> Receivers { get; } = [];

    /// <summary>Every message the sender sent, with whether it was accepted in the end.</summary>
    public IReadOnlyList<RoomTraffic.Sent> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>Everyone joins <paramref name="room"/>: the sender on <paramref name="senderEdge"/>, a receiver per entry of <paramref name="receivers"/>.</summary>
    public static async Task<RoomStream> StartAsync(SuiteFixture suite, string room, string sender, int senderEdge, IEnumerable<(string UserId, int Edge)> receivers, CancellationToken cancellationToken)
    {
        var stream = new RoomStream(suite, room);
        try
        {
            stream._sender = await stream.OpenAsync(sender, senderEdge, cancellationToken);
            await stream.JoinAsync(stream._sender, since: null, cancellationToken);
            foreach (var (userId, edge) in receivers)
            {
                var receiver = new Receiver(userId, room);
                var connection = await stream.OpenAsync(userId, edge, cancellationToken);
                receiver.Connections.Add(connection);
                receiver.Epoch = (await stream.JoinAsync(connection, since: null, cancellationToken)).GetProperty("epoch").GetString();
                stream.Receivers.Add(receiver);
            }

            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends message after message while <paramref name="more"/> says so; each is sent again (same id)
    /// until accepted, for up to 20 s, before the next one goes.
    /// </summary>
    public async Task SendAsync(Func<bool> more, CancellationToken cancellationToken)
    {
        var sender = _sender!;
        for (var n = 1; more(); n++)
        {
            var message = new RoomTraffic.Sent($"{sender.UserId}#{n}", sender.UserId, $"edge-{sender.Edge}");
            lock (_sent)
            {
                _sent.Add(message);
            }

            var giveUp = DateTime.UtcNow + Wait;
            while (!message.Acknowledged && DateTime.UtcNow < giveUp)
            {
                var refusedBefore = Refusals(sender, message.Tag);
                await sender.Client.SendAsync(new { type = "message", roomId = Room, id = message.Tag, content = new { tag = message.Tag } }, cancellationToken);
                var fence = $"{message.Tag}/{message.Retries}";
                await sender.Client.SendAsync(new { type = "ping", id = fence }, cancellationToken);
                await Eventually.UntilAsync(() => sender.Frames.Any(f => RoomTraffic.Is(f, "pong") && RoomTraffic.Ref(f) == fence), Wait, cancellationToken, $"{message.Tag} is handled");
                message.Acknowledged = Refusals(sender, message.Tag) == refusedBefore;
                message.AcknowledgedAt = message.Acknowledged ? System.Diagnostics.Stopwatch.GetTimestamp() : null;
                if (!message.Acknowledged)
                {
                    message.Retries++;
                }

                await Task.Delay(Pause, cancellationToken);
            }
        }
    }

    /// <summary>
    /// <paramref name="receiver"/> comes back on <paramref name="edge"/>: a new connection that joins
    /// with <c>since</c> its last seq received in order; returns the <c>joined</c> answer.
    /// </summary>
    public async Task<JsonElement> ResumeAsync(Receiver receiver, int edge, CancellationToken cancellationToken)
    {
        var since = receiver.InOrder().LastOrDefault();
        await receiver.Current.Client.DisposeAsync();
        var connection = await OpenAsync(receiver.UserId, edge, cancellationToken);
        connection.Since = since;
        receiver.Connections.Add(connection);
        return await JoinAsync(connection, new { seq = since, epoch = receiver.Epoch }, cancellationToken);
    }

    /// <summary>Waits until every receiver has shown the room's first <paramref name="count"/> messages in order (the stream flows).</summary>
    public Task UntilEveryReceiverHasAsync(int count, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(
            () => Task.FromResult(Receivers.Where(r => r.InOrder().Count() < count).Select(r => r.ToString()).ToList()),
            behind => behind.Count == 0,
            Wait,
            cancellationToken,
            $"every receiver gets the first {count} messages (sent: {Sent.Count})");

    /// <summary>Waits until every receiver holds every stored message in order, then returns the room's history.</summary>
    public async Task<List<RoomMessage>> UntilEveryoneHasEverythingAsync(CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(_suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(channel);
        var history = await RoomTraffic.HistoryAsync(rooms, Room, cancellationToken);
        foreach (var receiver in Receivers)
        {
            await Eventually.UntilAsync(
                () => Task.FromResult((Last: receiver.InOrder().LastOrDefault(), Receiver: receiver.ToString())),
                shown => shown.Last >= (ulong)history.Count,
                Wait,
                cancellationToken,
                $"{receiver.UserId} has the room's {history.Count} messages in order");
        }

        return history;
    }

    /// <summary>
    /// Writes sent / accepted / stored / received / duplicates to the test output and asserts that
    /// history is gap-free and holds every accepted message once, and that every receiver shows every
    /// stored message once, in seq order, with its stored id.
    /// </summary>
    public void AssertNothingLost(IReadOnlyList<RoomMessage> history, string scenario)
    {
        var sent = Sent;
        var accepted = sent.Where(s => s.Acknowledged).ToList();
        var tally = Receivers.Select(r => (Receiver: r, Shown: r.Shown().ToList())).ToList();
        var received = tally.Sum(t => t.Shown.Count);
        var duplicates = tally.Sum(t => t.Shown.Count - t.Shown.Select(Seq).Distinct().Count());
        var outOfOrder = tally.Sum(t => t.Shown.Zip(t.Shown.Skip(1)).Count(p => Seq(p.Second) <= Seq(p.First)));
        var missing = tally.Sum(t => history.Select(m => m.Seq).Except(t.Shown.Select(Seq)).Count());
        ChaosReport.Line(
            scenario,
            $"sent {sent.Count}, accepted {accepted.Count} (after a retry {accepted.Count(s => s.Retries > 0)}), stored {history.Count}; " +
            $"received {received} by {Receivers.Count} receivers (expected {history.Count * Receivers.Count}), duplicates {duplicates}, out of order {outOfOrder}, missing {missing}; " +
            $"dropped after a gap {tally.Sum(t => t.Receiver.AllMessages().Count() - t.Shown.Count)}");

        // Who saw a gap or a repeat live (and so relied on the resume), with the refused sends: what to look at first.
        foreach (var (receiver, _) in tally.Where(t => t.Receiver.AllMessages().Count() != t.Shown.Count))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"  {receiver}");
        }

        foreach (var retried in sent.Where(s => s.Retries > 0))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"  sent again: {retried}, seq {history.FirstOrDefault(m => RoomTraffic.Tag(m) == retried.Tag)?.Seq}");
        }

        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (ulong)i), history.Select(m => m.Seq));
        var stored = history.GroupBy(RoomTraffic.Tag).ToDictionary(g => g.Key!, g => g.Count());
        Assert.All(stored, s => Assert.True(s.Value == 1, $"{s.Key} stored {s.Value} times"));
        Assert.All(accepted, s => Assert.True(stored.ContainsKey(s.Tag), $"accepted {s} is not in history"));
        var ids = history.ToDictionary(m => m.Seq, m => m.Id);
        foreach (var (receiver, shown) in tally)
        {
            Assert.True(history.Select(m => m.Seq).SequenceEqual(shown.Select(Seq)), $"every stored message once, in order: {receiver}");
            Assert.All(shown, f => Assert.Equal(ids[Seq(f)], RoomTraffic.Id(f)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopReading.CancelAsync();
        foreach (var connection in Receivers.SelectMany(r => r.Connections).Append(_sender).OfType<Connection>())
        {
            await connection.Client.DisposeAsync();
            await connection.Reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stopReading.Dispose();
    }

    internal static ulong Seq(JsonElement frame) => frame.GetProperty("seq").GetUInt64();

    private static int Refusals(Connection sender, string tag) =>
        sender.Frames.Count(f => RoomTraffic.Is(f, "error") && RoomTraffic.Ref(f) == tag);

    private async Task<Connection> OpenAsync(string userId, int edge, CancellationToken cancellationToken)
    {
        var client = await _suite.ConnectAsync(edge, userId, cancellationToken);
        var connection = new Connection(userId, edge, client);
        connection.Reading = RoomTraffic.ReadAsync(client, connection.Frames, _stopReading.Token);
        return connection;
    }

    private async Task<JsonElement> JoinAsync(Connection connection, object? since, CancellationToken cancellationToken)
    {
        var id = "join-" + connection.Client.ConnectionId;
        object frame = since is null ? new { type = "join", roomId = Room, id } : new { type = "join", roomId = Room, id, since };
        await connection.Client.SendAsync(frame, cancellationToken);
        var answer = await Eventually.UntilAsync(
            () => Task.FromResult(connection.Frames.FirstOrDefault(f => RoomTraffic.Ref(f) == id)),
            f => f.ValueKind == JsonValueKind.Object,
            Wait,
            cancellationToken,
            $"{connection.UserId} joins on edge-{connection.Edge}");
        Assert.True(RoomTraffic.Is(answer, "joined"), $"{connection.UserId} could not join on edge-{connection.Edge}: {answer}");
        return answer;
    }

    /// <summary>One WebSocket connection and every frame it received.</summary>
    internal sealed class Connection(string userId, int edge, TestClient client)
    {
        public string UserId { get; } = userId;

        public int Edge { get; } = edge;

        public TestClient Client { get; } = client;

        public ConcurrentQueue<JsonElement> Frames { get; } = new();

        public Task Reading { get; set; } = Task.CompletedTask;

        /// <summary>The seq this connection resumed after; null for a first join.</summary>
        public ulong? Since { get; set; }
    }

    /// <summary>A user receiving the room, over one connection after another.</summary>
    internal sealed class Receiver(string userId, string room)
    {
        public string UserId { get; } = userId;

        public string? Epoch { get; set; }

        public List<Connection> Connections { get; } = [];

        public Connection Current => Connections[^1];

        public IEnumerable<JsonElement> AllMessages() => Connections.SelectMany(Messages);

        /// <summary>
        /// What the client shows: each connection's messages up to where the next one resumed (what
        /// came after is dropped: the resume replays it).
        /// </summary>
        public IEnumerable<JsonElement> Shown() =>
            Connections.SelectMany((c, i) => i + 1 < Connections.Count ? Messages(c).Where(f => Seq(f) <= Connections[i + 1].Since) : Messages(c));

        /// <summary>The seqs shown, as long as each is the one after the last (stops at the first gap or repeat).</summary>
        public IEnumerable<ulong> InOrder()
        {
            var expected = 1UL;
            foreach (var frame in Shown())
            {
                if (Seq(frame) != expected)
                {
                    yield break;
                }

                yield return expected++;
            }
        }

        public override string ToString() =>
            $"{UserId}: {string.Join(" | ", Connections.Select(c => $"edge-{c.Edge} since {c.Since?.ToString(CultureInfo.InvariantCulture) ?? "-"}: " + string.Join(',', Messages(c).Select(Seq))))}";

        private IEnumerable<JsonElement> Messages(Connection connection) =>
            connection.Frames.Where(f => RoomTraffic.Is(f, "message") && f.GetProperty("roomId").GetString() == room);
    }
}
