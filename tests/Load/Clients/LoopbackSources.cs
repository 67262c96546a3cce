using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Suite.Load.Clients;

/// <summary>
/// Spreads outgoing connections over 127.0.0.2 … 127.0.0.(1+count): each source address has its
/// own ephemeral port range (~28k on Linux), so tens of thousands of connections to one edge fit.
/// </summary>
internal sealed class LoopbackSources(int count)
{
    // Linux IP_BIND_ADDRESS_NO_PORT: pick the port at connect time, per destination.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;
    private int _next = -1;
    private long _received;

    public int Count => count;

    /// <summary>Bytes read so far by every connection made through <see cref="CreateHandler"/>: WebSocket frames with their headers, as the edge sent them.</summary>
    public long ReceivedBytes => Interlocked.Read(ref _received);

    /// <summary>A handler whose every connection is bound to the next source address in turn.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        ConnectCallback = ConnectAsync,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var index = (uint)Interlocked.Increment(ref _next) % (uint)count;
        var source = new IPAddress([127, 0, 0, (byte)(2 + index)]);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            }

            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new CountingStream(new NetworkStream(socket, ownsSocket: true), read => Interlocked.Add(ref _received, read));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
