using System.Net;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>An edge is ready (/readyz) only while it holds a lease presence confirmed within the lease duration.</summary>
public sealed class LeaseReadinessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(5); // a third of the default 15 s lease

    [Fact]
    public async Task An_edge_presence_has_not_confirmed_for_longer_than_the_lease_is_not_ready_until_it_does_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}"), Timeout = Wait };
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, s => s == HttpStatusCode.OK, Wait, ct, "ready once registered");

        edge.Upstream.Presence.LeasesUnavailable = true;
        // Renewals fail; once the last confirmation is older than the lease, the edge is not ready.
        await Eventually.UntilAsync(
            async () =>
            {
                edge.Time.Advance(Renewal);
                return (await http.GetAsync("/readyz", ct)).StatusCode;
            },
            s => s == HttpStatusCode.ServiceUnavailable,
            Wait,
            ct,
            "not ready once the lease went unconfirmed");

        edge.Upstream.Presence.LeasesUnavailable = false;
        await Eventually.UntilAsync(
            async () =>
            {
                edge.Time.Advance(Renewal);
                return (await http.GetAsync("/readyz", ct)).StatusCode;
            },
            s => s == HttpStatusCode.OK,
            Wait,
            ct,
            "ready again once presence confirms the lease");
    }

    [Fact]
    public async Task An_edge_whose_lease_presence_ended_registers_again_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        var presence = edge.Upstream.Presence;
        await Eventually.UntilAsync(() => presence.Leases.ContainsKey(edge.EdgeId), Wait, ct, "the edge registers");
        var registrations = presence.Registrations.Count;

        presence.Expire(edge.EdgeId);
        edge.Time.Advance(Renewal);

        // The renewal that finds the lease gone registers again in the same tick, not a third of a lease later.
        await Eventually.UntilAsync(() => presence.Registrations.Count > registrations, Wait, ct, "the edge registers again without another tick");
        Assert.Equal(2UL, presence.Registrations.Last().LeaseGeneration);
    }
}
