using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// A throwaway redis-server for the peers' backplane: loopback only, no persistence (a benchmark must
/// not measure disk writes), pinned with the other server processes.
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    public const string DefaultServer = "/usr/bin/redis-server";
    private readonly ServerChild _child;

    private RedisProcess(ServerChild child, int port)
    {
        _child = child;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _child.ProcessId;

    /// <summary>host:port, what StackExchange.Redis takes.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>redis://host:port, what ioredis takes.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync(string? cpus, CancellationToken cancellationToken, string server = DefaultServer)
    {
        if (!File.Exists(server))
        {
            throw new FileNotFoundException($"redis-server is not at {server} (apt-get install redis-server)", server);
        }

        var port = FreePort.Next();
        var child = ServerChild.Start(
            "redis-server",
            server,
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            Path.GetTempPath(),
            new Dictionary<string, string>(),
            cpus);
        var redis = new RedisProcess(child, port);
        try
        {
            await child.WaitReadyAsync("answering PING", redis.PingAsync, TimeSpan.FromSeconds(15), cancellationToken);
        }
        catch
        {
            redis.Dispose();
            throw;
        }

        return redis;
    }

    public void Dispose() => _child.Dispose();

    // The inline command "PING\r\n" needs no client library; the answer is "+PONG\r\n".
    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
                {
                    break;
                }
            }

            return Encoding.ASCII.GetString(buffer, 0, length).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false; // not listening yet
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
