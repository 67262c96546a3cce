using System.Net;
using System.Net.Sockets;

namespace Suite.LocalServers;

/// <summary>
/// Loopback ports for servers that must be told their port before they start. They come from below
/// the kernel's ephemeral range (32768+ on Linux), so an outgoing connection cannot take a port
/// between the moment it is chosen here and the moment its server binds it, and no port is handed
/// out twice by one process. Nor by two: test assemblies run side by side, each with its launchers
/// and suites choosing ports, so a port is also reserved machine-wide by an exclusive lock on a file
/// of its own, held until the choosing process exits (two processes once chose the same port, and
/// the second server's bind failed with "address already in use").
/// </summary>
public static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly HashSet<int> Given = [];
    private static readonly List<FileStream> Reservations = [];
    private static readonly string ReservationFolder = Path.Combine(Path.GetTempPath(), "suite-free-ports");
    private static readonly Lock Guard = new();

    public static int Next()
    {
        lock (Guard)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!Given.Contains(port) && TryReserve(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    /// <summary>The file whose exclusive lock reserves <paramref name="port"/> for the process that chose it.</summary>
    public static string ReservationFile(int port) => Path.Combine(ReservationFolder, $"{port}.lock");

    // On Unix FileShare.None takes an exclusive flock, which another process's open of the same file
    // is refused while this one lives. A reserved port that turns out bound stays reserved, unused.
    private static bool TryReserve(int port)
    {
        try
        {
            Directory.CreateDirectory(ReservationFolder);
            Reservations.Add(new FileStream(ReservationFile(port), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
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
