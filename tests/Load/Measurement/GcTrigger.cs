using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace Suite.Load.Measurement;

/// <summary>
/// Makes another .NET process run a full blocking GC, the way dotnet-gcdump does: an EventPipe
/// session on the runtime provider with the GCHeapCollect keyword induces one. The edge has no
/// endpoint for it, and a measurement of "memory per connection" must not count garbage.
/// </summary>
internal static class GcTrigger
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>True when the session was opened (the GC runs as it starts); false when the process cannot be reached.</summary>
    public static async Task<bool> CollectAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            var client = new DiagnosticsClient(pid);
            var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword) };
            using var session = await client.StartEventPipeSessionAsync(providers, requestRundown: false, circularBufferMB: 16, cancellationToken);
            // Drain the stream briefly so the runtime is never blocked on a full buffer, then stop.
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(TimeSpan.FromSeconds(2));
            var buffer = new byte[64 * 1024];
            try
            {
                while (await session.EventStream.ReadAsync(buffer, drain.Token) > 0)
                {
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await session.StopAsync(cancellationToken);
            return true;
        }
        catch (ServerNotAvailableException)
        {
            return false;
        }
        catch (UnsupportedCommandException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or ServerErrorException)
        {
            // The process ended, or its diagnostics server refused the session: no GC was induced.
            return false;
        }
    }
}
