using System.Net;
using System.Net.Sockets;

namespace Suite.Edge.Tests.Connections;

/// <summary>
/// A connected pair of real loopback TCP sockets: the edge's side (<see cref="Server"/>) that a
/// transport writes to, and the client's (<see cref="Client"/>) that a test reads, or leaves unread
/// to make the server's writes wait.
/// </summary>
internal sealed class LoopbackSocketPair : IDisposable
{
    /// <summary>More than loopback socket buffers hold (a few MB at most): a write of it cannot finish while the client reads nothing.</summary>
    public const int LargerThanSocketBuffers = 32 * 1024 * 1024;

    public LoopbackSocketPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Client.Connect(listener.LocalEndPoint!);
        Server = listener.Accept();
    }

    public Socket Server { get; }

    public Socket Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
