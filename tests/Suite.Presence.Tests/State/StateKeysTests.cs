using Suite.Presence.State;

namespace Suite.Presence.Tests.State;

public sealed class StateKeysTests
{
    [Fact]
    public void Keys_carry_the_presence_prefix()
    {
        Assert.Equal("presence:user:alice", StateKeys.User("alice"));
        Assert.Equal("presence:edges", StateKeys.Edges);
        Assert.Equal("presence:replicas", StateKeys.Replicas);
        Assert.Equal("presence:index:lease-1:writer-1:3", StateKeys.IndexCount("lease-1", "writer-1", 3));
        Assert.Equal("presence:index:lease-1:writer-1:3:7", StateKeys.IndexSlot(StateKeys.IndexCount("lease-1", "writer-1", 3), 7));
    }

    [Fact]
    public void Shard_of_a_connection_is_the_same_in_every_process_and_spreads_connections()
    {
        // Fixed values: a per-process hash would put a connection in different shards on different replicas.
        Assert.Equal(StateKeys.ShardOf("connection-1", 16), StateKeys.ShardOf("connection-1", 16));
        Assert.Equal(12, StateKeys.ShardOf("a", 16));

        var used = Enumerable.Range(0, 1000).Select(i => StateKeys.ShardOf(Guid.NewGuid().ToString("N"), 16)).Distinct().Count();
        Assert.Equal(16, used);
    }
}
