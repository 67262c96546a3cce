namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// The suite for one chaos test class: two edges, one room replica, and a Redis that keeps its data
/// (append-only file) as a user's does, so a test may kill an edge or restart a broker. A class
/// fixture: each class gets its own topology, never one another test broke.
/// </summary>
public abstract class ChaosFixture : SuiteFixture
{
    protected override int Edges => 2;

    protected override bool PersistentRedis => true;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        // Every message of a test room stays in history, so the test can check them all.
        ["Rooms__HistorySize"] = "1000",
        // Room calls on a 2-core machine shared with builds can take seconds; a late answer is not what these tests are about.
        ["Edge__UpstreamTimeout"] = "00:00:15",
    };
}

public sealed class RedisChaosFixture : ChaosFixture
{
    protected override string ComponentsFolder => "components/redis";
}

public sealed class NatsChaosFixture : ChaosFixture
{
    protected override string ComponentsFolder => "components/nats";
}
