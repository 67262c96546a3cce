using System.Net;
using System.Net.Sockets;

namespace Suite.Testing;

/// <summary>Loopback ports for servers that must be told their port before they start.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
