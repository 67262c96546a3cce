using System.Net;
using System.Net.Sockets;

namespace Suite.Load.Measurement;

/// <summary>
/// Runs the generator's socket completions on the socket engine's thread instead of waking a
/// thread-pool worker for each. Its work per frame is small, and at the fan-out sweep's top step a
/// worker woken per receive took ~40 % of its core (docs/benchmarks.md, "The sweep's top step measured
/// the load generator"), so the step measured the generator. For this process only: the runtime reads
/// the variable once, when the first socket registers with its engine, and it is put back before any
/// server is started, so no server (the suite's services above all) inherits it.
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether a receive's continuation ran off the thread pool after <see cref="Enable"/>; null before it.</summary>
    public static bool? Active { get; private set; }

    /// <summary>Call before this process opens any socket; later, the engine already chose.</summary>
    public static void Enable()
    {
        var inherited = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, "1");
        try
        {
            // Blocking here keeps the caller on its own thread: the probe's continuation runs on the
            // engine's thread when completions are inline, and must not carry the program with it.
            Active = ProbeAsync().GetAwaiter().GetResult();
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, inherited);
        }
    }

    // The first sockets the engine registers (so it reads the variable now), and a receive that has
    // to wait, its continuation attached before the byte it waits for is sent: the thread that runs it
    // is the engine's own when completions are inline, a pool worker when not.
    private static async Task<bool> ProbeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var buffer = new byte[1];
        var offPool = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var receive = client.ReceiveAsync(buffer, SocketFlags.None).GetAwaiter();
        if (receive.IsCompleted)
        {
            throw new InvalidOperationException("the probe's receive completed before anything was sent");
        }

        receive.OnCompleted(() => offPool.SetResult(!Thread.CurrentThread.IsThreadPoolThread));
        await server.SendAsync(buffer, SocketFlags.None);
        var result = await offPool.Task;
        receive.GetResult();
        return result;
    }
}
