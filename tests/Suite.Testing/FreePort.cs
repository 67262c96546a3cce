using System.Net;
using System.Net.Sockets;

namespace Suite.Testing;

/// <summary>
/// Loopback ports for servers that must be told their port before they start. They come from below
/// the kernel's ephemeral range (32768+ on Linux), so an outgoing connection cannot take a port
/// between the moment it is chosen here and the moment its server binds it, and no port is handed
/// out twice by one process.
/// </summary>
public static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Guard = new();

    public static int Next()
    {
        lock (Guard)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
