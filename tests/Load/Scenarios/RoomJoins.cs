using System.Collections.Concurrent;
using Suite.Load.Clients;

namespace Suite.Load.Scenarios;

/// <summary>
/// Joins clients to their rooms with bounded concurrency. A join not confirmed within the timeout
/// is counted and its client closed, so the run goes on and no message is expected at a client
/// that is not a member.
/// </summary>
internal static class RoomJoins
{
    private const int InFlight = 64;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <returns>The clients that are members, and the failure reasons of the others.</returns>
    public static async Task<(Dictionary<int, IGatewayClient> Members, IReadOnlyDictionary<string, int> Failures, double PerSecond)> JoinAsync(
        IEnumerable<IGatewayClient> clients, Func<IGatewayClient, string> roomOf, Progress progress, CancellationToken cancellationToken)
    {
        var all = clients.ToList();
        var members = new ConcurrentDictionary<int, IGatewayClient>();
        var failures = new ConcurrentDictionary<string, int>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        progress.Phase($"joining {all.Count} clients to their rooms", () =>
            $"{members.Count}/{all.Count} joined, {failures.Values.Sum()} failed, {members.Count / Math.Max(0.001, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds):F0}/s");
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken }, async (client, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            try
            {
                await client.JoinAsync(roomOf(client), timeout.Token);
                members[client.Index] = client;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                var reason = ex is OperationCanceledException ? $"not confirmed within {Timeout.TotalSeconds:F0} s" : ex.GetBaseException().Message;
                failures.AddOrUpdate(reason, 1, (_, n) => n + 1);
                await client.DisposeAsync();
            }
        });

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (new Dictionary<int, IGatewayClient>(members), failures, Math.Round(members.Count / Math.Max(0.001, seconds), 1));
    }
}
