using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

/// <summary>
/// The room metrics deploy/observability's dashboard reads (issue 14): room messages, the Dapr
/// publishes that carried their deliveries (a batch carries several), and ownership moves, including
/// a takeover from an owner that stopped. Read from each host's own meter (replicas in one test
/// process share the meter's name, so their /metrics would mix); ObservabilityNamesTests checks the
/// Prometheus names.
/// </summary>
public sealed class OperatorMetricsTests(RedisFixture redis)
{
    private const string Meter = "Suite.Room";

    // Long enough that no renewal or expiry runs during the test.
    private static readonly Dictionary<string, string> Settings = new() { ["Rooms:OwnerLeaseDuration"] = "00:01:00" };

    [Fact]
    public async Task Room_messages_and_the_dapr_publishes_that_carried_their_deliveries_are_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.InMemory, ct);
        var meters = room.Services.GetRequiredService<IMeterFactory>();
        using var messages = new MetricCollector<long>(meters, Meter, "suite.room.messages");
        using var deliveries = new MetricCollector<long>(meters, Meter, "suite.room.publishes");
        using var publishes = new MetricCollector<long>(meters, Meter, "suite.dapr.publishes");
        using var batches = new MetricCollector<int>(meters, Meter, "suite.dapr.publish.deliveries");
        using var takeovers = new MetricCollector<long>(meters, Meter, "suite.room.ownership.takeovers");
        var (id, e1, e2) = (RoomHost.NewId("r"), RoomHost.NewId("e"), RoomHost.NewId("e"));
        await room.JoinAsync(id, "alice", e1, "a1", ct);
        await room.JoinAsync(id, "bob", e2, "b1", ct);
        await room.JoinAsync(id, "carol", e2, "c1", ct);

        await room.SendAsync(id, "alice", e1, "a1", "\"hi\"", ct);

        // Every delivery the room counted went out in a sidecar publish, and each publish recorded its batch.
        await Eventually.UntilAsync(
            () => messages.GetMeasurementSnapshot().EvaluateAsCounter() == 1
                && deliveries.GetMeasurementSnapshot().Any(m => m.ContainsTags(new KeyValuePair<string, object?>("kind", "message")))
                && batches.GetMeasurementSnapshot().Sum(m => m.Value) == deliveries.GetMeasurementSnapshot().EvaluateAsCounter(),
            TimeSpan.FromSeconds(10),
            ct,
            "the message stored and every delivery published");
        var ok = publishes.GetMeasurementSnapshot().Where(m => m.ContainsTags(new KeyValuePair<string, object?>("outcome", "ok"))).ToList();
        Assert.NotEmpty(ok);
        Assert.Equal(publishes.GetMeasurementSnapshot().Count, ok.Count);
        Assert.Equal(ok.Count, batches.GetMeasurementSnapshot().Count);
        Assert.Equal(1, takeovers.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task A_room_taken_over_from_an_owner_that_stopped_counts_as_an_ownership_move_on_the_new_owner()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var replica = await RoomHost.StartAsync(redis, StateKind.Redis, ct, Settings);
        using var takeovers = new MetricCollector<long>(replica.Services.GetRequiredService<IMeterFactory>(), Meter, "suite.room.ownership.takeovers");
        var (id, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await using (var owner = await RoomHost.StartAsync(redis, StateKind.Redis, ct, Settings, replica.AppId))
        {
            using var ownerTakeovers = new MetricCollector<long>(owner.Services.GetRequiredService<IMeterFactory>(), Meter, "suite.room.ownership.takeovers");
            await owner.JoinAsync(id, "alice", edge, "a1", ct);
            await owner.SendAsync(id, "alice", edge, "a1", "1", ct);
            Assert.Equal(1, ownerTakeovers.GetMeasurementSnapshot().EvaluateAsCounter());
        }

        Assert.Empty(takeovers.GetMeasurementSnapshot());
        await replica.SendAsync(id, "alice", edge, "a1", "2", ct);

        Assert.Equal(1, takeovers.GetMeasurementSnapshot().EvaluateAsCounter());
    }
}
