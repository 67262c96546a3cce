using System.Text.RegularExpressions;
using Suite.Contracts.Edge.V1;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// The edge's filter of redelivered message ids, over real streaming subscriptions: a broker
/// redelivers after a time (Redis processingTimeout, JetStream ackWait), however many other
/// deliveries came in between.
/// </summary>
public sealed class DuplicateWindowTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(
        TestContext.Current.CancellationToken,
        new Dictionary<string, string> { ["Delivery:DuplicateWindowMaxIds"] = "50000" });

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task A_redelivery_after_20000_other_ids_within_the_window_is_dropped_and_after_it_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var first = _edge.Payload("alice", "tick", 1);
        await _edge.PublishRawAsync(urgent: false, first, ct);
        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());

        await PublishOthersAsync(20_000, ct);
        _edge.Time.Advance(TimeSpan.FromSeconds(90));
        await _edge.PublishRawAsync(urgent: false, first, ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", 2), ct);

        // One topic, so in publish order: the redelivery would come before tick 2.
        Assert.Equal(2, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());

        _edge.Time.Advance(TimeSpan.FromSeconds(31));
        await _edge.PublishRawAsync(urgent: false, first, ct);
        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_full_filter_forgets_its_oldest_ids_and_counts_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var first = _edge.Payload("alice", "tick", 1);
        await _edge.PublishRawAsync(urgent: false, first, ct);
        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());

        await PublishOthersAsync(50_000, ct);
        await _edge.PublishRawAsync(urgent: false, first, ct);

        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        // The first id when the 50,000th other came, and the oldest other when the first came back.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_edge.Port}") };
        var line = new Regex(@"^suite_edge_delivery_duplicate_filter_evicted(_total)?(\{[^}]*\})? 2\b", RegexOptions.Multiline);
        await Eventually.UntilAsync(() => http.GetStringAsync("/metrics", ct), line.IsMatch, TimeSpan.FromSeconds(10), ct, "two ids evicted before their window passed");
    }

    // Deliveries to a user with no connection on this edge: each id is remembered all the same.
    // Batched, as room batches, so 20,000 ids take a few events rather than 20,000 publishes.
    private async Task PublishOthersAsync(int count, CancellationToken ct)
    {
        const int perEvent = 2_000;
        for (var start = 0; start < count; start += perEvent)
        {
            var batch = new EdgeDelivery { EdgeId = _edge.EdgeId };
            for (var n = start; n < Math.Min(count, start + perEvent); n++)
            {
                batch.Batch.Add(EdgeDelivery.Parser.ParseFrom(_edge.Payload("nobody", "other", n)));
            }

            await _edge.PublishRawAsync(urgent: false, EdgeDeliveryCodec.ToPayload(batch), ct);
        }
    }
}
