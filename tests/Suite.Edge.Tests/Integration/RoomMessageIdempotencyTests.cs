using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// A room message's frame <c>id</c> is its idempotency key, scoped to the user: a client that retries
/// after a timeout (on the same or a new connection) stores and delivers the message once.
/// </summary>
public sealed class RoomMessageIdempotencyTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Same_frame_id_sent_again_after_reconnecting_is_stored_and_delivered_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bob = await JoinedAsync("bob", "lobby", ct);
        await using (var first = await JoinedAsync("alice", "lobby", ct))
        {
            await first.SendAsync(new { type = "message", id = "m-1", roomId = "lobby", content = "hi" }, ct);
            Assert.Equal("hi", (await bob.ReceiveAsync("message", ct)).GetProperty("content").GetString());
        }

        // The retry of a client that never saw its answer: a new connection, the same frame.
        await using var retry = await JoinedAsync("alice", "lobby", ct);
        await retry.SendAsync(new { type = "message", id = "m-1", roomId = "lobby", content = "hi" }, ct);
        await retry.SendAsync(new { type = "message", id = "m-2", roomId = "lobby", content = "marker" }, ct);

        Assert.Equal("marker", (await bob.ReceiveAsync("message", ct)).GetProperty("content").GetString());
        Assert.Equal(2UL, _edge.Upstream.Room.LastSeq("lobby"));
    }

    [Fact]
    public async Task Two_users_sending_the_same_frame_id_are_two_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bob = await JoinedAsync("bob", "lobby", ct);
        await using var alice = await JoinedAsync("alice", "lobby", ct);
        await using var carol = await JoinedAsync("carol", "lobby", ct);

        await alice.SendAsync(new { type = "message", id = "same", roomId = "lobby", content = "from alice" }, ct);
        await carol.SendAsync(new { type = "message", id = "same", roomId = "lobby", content = "from carol" }, ct);

        var senders = new[] { await bob.ReceiveAsync("message", ct), await bob.ReceiveAsync("message", ct) }
            .Select(m => m.GetProperty("from").GetString()).Order().ToList();
        Assert.Equal(["alice", "carol"], senders);
    }

    [Fact]
    public async Task Frames_without_an_id_are_each_a_new_message()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bob = await JoinedAsync("bob", "lobby", ct);
        await using var alice = await JoinedAsync("alice", "lobby", ct);

        await alice.SendAsync(new { type = "message", roomId = "lobby", content = "again" }, ct);
        await alice.SendAsync(new { type = "message", roomId = "lobby", content = "again" }, ct);

        await bob.ReceiveAsync("message", ct);
        await bob.ReceiveAsync("message", ct);
        Assert.Equal(2, _edge.Upstream.Room.IdempotencyKeys.Distinct().Count());
    }

    private async Task<TestClient> JoinedAsync(string userId, string roomId, CancellationToken ct)
    {
        var client = await _edge.ConnectAsAsync(userId, ct);
        await client.SendAsync(new { type = "join", roomId }, ct);
        await client.ReceiveAsync("joined", ct);
        return client;
    }
}
