using System.Net;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>An edge is ready (/readyz) only while it holds a lease presence confirmed.</summary>
public sealed class LeaseReadinessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(5); // a third of the default 15 s lease

    [Fact]
    public async Task An_edge_whose_lease_presence_ended_is_not_ready_until_it_registers_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}"), Timeout = Wait };
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, s => s == HttpStatusCode.OK, Wait, ct, "ready once registered");

        edge.Upstream.Presence.Expire(edge.EdgeId);

        // The next renewal finds the lease gone; until the tick after it registers again, no lease.
        edge.Time.Advance(Renewal);
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, s => s == HttpStatusCode.ServiceUnavailable, Wait, ct, "not ready without a lease");
        await Eventually.UntilAsync(
            async () =>
            {
                edge.Time.Advance(Renewal);
                return (await http.GetAsync("/readyz", ct)).StatusCode;
            },
            s => s == HttpStatusCode.OK,
            Wait,
            ct,
            "ready again under the next lease");
    }
}
