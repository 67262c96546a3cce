using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// The presence metrics deploy/observability's dashboard and alert rules read (issue 14): a lease
/// that runs out is a lease expiry, an edge that deregisters is not. Read from this host's meter
/// (other hosts in the test process have their own); ObservabilityNamesTests checks their
/// Prometheus names.
/// </summary>
public sealed class OperatorMetricsTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_lease_that_runs_out_counts_as_a_lease_expiry_and_a_deregistration_does_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        var meters = presence.Services.GetRequiredService<IMeterFactory>();
        using var expiries = new MetricCollector<long>(meters, "Suite.Presence", "suite.presence.leases.expired");
        using var changes = new MetricCollector<long>(meters, "Suite.Presence", "suite.presence.edges.changes");
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await presence.Client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-b", Incarnation = "inc-b" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);

        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));

        await expiries.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, expiries.GetMeasurementSnapshot().EvaluateAsCounter());
        var byChange = changes.GetMeasurementSnapshot().GroupBy(m => m.Tags["change"] as string).ToDictionary(g => g.Key!, g => g.EvaluateAsCounter());
        Assert.Equal(new Dictionary<string, long> { ["Registered"] = 2, ["Deregistered"] = 1, ["LeaseExpired"] = 1 }, byChange);
    }
}
