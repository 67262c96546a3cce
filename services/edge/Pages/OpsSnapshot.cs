using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Edge.Connections;
using Suite.Edge.Routing;

namespace Suite.Edge.Pages;

/// <summary>
/// What the ops page shows, read when asked: the edges with a lease in presence (ListEdges), this
/// edge's connections by state, its rooms with their members here, its frame and drop totals, the
/// delivery latency and the last dead letters. Rates are the page's: it divides the totals' change
/// by the time between two reads.
/// </summary>
public sealed class OpsSnapshot(
    IOptions<EdgeOptions> options,
    ConnectionRegistry registry,
    LocalIndex<Connection> index,
    PresenceService.PresenceServiceClient presence,
    OpsMeter meter,
    OpsDeadLetters deadLetters,
    TimeProvider time)
{
    public async Task<object> TakeAsync(CancellationToken cancellationToken)
    {
        var byState = Enum.GetValues<ConnectionState>().ToDictionary(s => s.ToString().ToLowerInvariant(), _ => 0);
        foreach (var connection in registry.All)
        {
            byState[connection.State.ToString().ToLowerInvariant()]++;
        }

        var rooms = index.RoomIds().Order(StringComparer.Ordinal).Select(roomId =>
        {
            var members = index.RoomMembers(roomId);
            var users = members.Select(c => index.TryGetUser(c, out var user) ? user : null).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
            return new { roomId, connections = members.Length, members = users };
        }).Where(r => r.connections > 0).ToArray();

        var latency = meter.Latency();
        var (edges, edgesError) = await EdgesAsync(cancellationToken);
        return new
        {
            edgeId = options.Value.EdgeId,
            at = time.GetUtcNow().ToUnixTimeMilliseconds(),
            edges,
            edgesError,
            connections = new { total = byState.Values.Sum(), byState },
            users = index.UserCount,
            rooms,
            totals = meter.Totals(),
            latency = new
            {
                count = latency.Count,
                meanMs = latency.Count == 0 ? (double?)null : latency.SumSeconds * 1000 / latency.Count,
                p50Ms = Milliseconds(latency.Quantile(0.5)),
                p99Ms = Milliseconds(latency.Quantile(0.99)),
                bucketsMs = latency.Bounds.Select(b => b * 1000).ToArray(),
                counts = latency.Counts,
            },
            deadLetters = deadLetters.Recent(),
        };
    }

    // A bucket's upper bound; past the last bound the JSON says null with "over" the last bound.
    private static object? Milliseconds(double? seconds) => seconds switch
    {
        null => null,
        double.PositiveInfinity => $"> {EdgeMetrics.LatencyBuckets[^1] * 1000}",
        var s => s * 1000,
    };

    private async Task<(object[] Edges, string? Error)> EdgesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await presence.ListEdgesAsync(new ListEdgesRequest(), deadline: DateTime.UtcNow + options.Value.UpstreamTimeout, cancellationToken: cancellationToken);
            return ([.. response.Edges.OrderBy(e => e.EdgeId, StringComparer.Ordinal).Select(e => (object)new
            {
                edgeId = e.EdgeId,
                expiresAt = e.ExpiresAt?.ToDateTimeOffset().ToUnixTimeMilliseconds(),
                leaseGeneration = e.LeaseGeneration,
                self = e.EdgeId == options.Value.EdgeId,
            })], null);
        }
        catch (RpcException ex)
        {
            return ([], $"presence ListEdges: {ex.StatusCode} {ex.Status.Detail}");
        }
    }
}
