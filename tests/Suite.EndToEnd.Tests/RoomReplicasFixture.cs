namespace Suite.EndToEnd.Tests;

/// <summary>
/// The suite with two room replicas (app id <c>room</c> each, beside their own sidecars) and two
/// edges: edge-0 prefers replica 0 and edge-1 replica 1, each failing over to the other.
/// </summary>
public abstract class RoomReplicasFixture : SuiteFixture
{
    /// <summary>How long a dead replica keeps its rooms (<c>Rooms__OwnerLeaseDuration</c>).</summary>
    public static readonly TimeSpan OwnerLease = TimeSpan.FromSeconds(3);

    protected override int Edges => 2;

    protected override int Rooms => 2;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        // The owner lease of room replicas (one owner per room); a room without it ignores it.
        ["Rooms__OwnerLeaseDuration"] = OwnerLease.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        // A publish a killed replica had claimed may be taken over by a retry after this (default 30 s).
        ["Rooms__IdempotencyClaimTimeout"] = "00:00:02",
        // Every message of a test room stays in history, so the test can check them all.
        ["Rooms__HistorySize"] = "1000",
        // Room calls on a 2-core machine shared with builds can take seconds; a late answer is not what these tests are about.
        ["Edge__UpstreamTimeout"] = "00:00:15",
    };
}

public sealed class RedisRoomReplicasFixture : RoomReplicasFixture
{
    protected override string ComponentsFolder => "components/redis";
}

public sealed class NatsRoomReplicasFixture : RoomReplicasFixture
{
    protected override string ComponentsFolder => "components/nats";
}
