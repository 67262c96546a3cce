using Grpc.Core;
using Suite.Contracts.Room.V1;

namespace Suite.Room.Tests.Integration;

/// <summary>RoomService.Calls: calls on one stream are served exactly as the unary RPCs of the same name.</summary>
public sealed class CallStreamTests(RedisFixture redis) : IAsyncLifetime
{
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(redis, StateKind.InMemory, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task Joins_messages_and_failures_on_the_stream_answer_as_the_unary_calls_do()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        using var stream = _room.Client.Calls(cancellationToken: ct);
        var replies = new Dictionary<ulong, RoomCallReply>();

        await stream.RequestStream.WriteAsync(new RoomCall { Id = 1, TimeoutMs = 10_000, Join = new JoinRequest { RoomId = room, UserId = "alice", EdgeId = edge, ConnectionId = "a1" } }, ct);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 2, TimeoutMs = 10_000, Join = new JoinRequest { RoomId = room, UserId = "bob", EdgeId = edge, ConnectionId = "b1" } }, ct);
        await ReadAsync(2);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 3, TimeoutMs = 10_000, PublishToRoom = Message(room, edge, "alice", "a1") }, ct);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 4, TimeoutMs = 10_000, PublishToRoom = Message(room, edge, "mallory", "m1") }, ct);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 5, TimeoutMs = 10_000 }, ct);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 6, TimeoutMs = 10_000, Leave = new LeaveRequest { RoomId = room, UserId = "bob", EdgeId = edge, ConnectionId = "b1" } }, ct);
        await ReadAsync(4);
        await stream.RequestStream.WriteAsync(new RoomCall { Id = 7, TimeoutMs = 10_000, GetHistory = new GetHistoryRequest { RoomId = room, AfterSeq = 0 } }, ct);
        await ReadAsync(1);
        await stream.RequestStream.CompleteAsync();
        Assert.False(await stream.ResponseStream.MoveNext(ct));

        // The two joins ran concurrently: either may have been first.
        Assert.True(replies[1].Join.UserJoined && replies[2].Join.UserJoined);
        Assert.Equal([1, 2], new[] { replies[1].Join.MemberCount, replies[2].Join.MemberCount }.Order());
        Assert.Equal(0, replies[3].StatusCode);
        Assert.Equal(1UL, replies[3].PublishToRoom.Seq);
        Assert.True(replies[6].Leave.UserLeft);
        Assert.Equal((int)StatusCode.InvalidArgument, replies[5].StatusCode);
        Assert.Equal([1UL], replies[7].GetHistory.Messages.Select(m => m.Seq));

        // A non-member's message fails on the stream with the status and detail the unary call gives.
        var unary = await Assert.ThrowsAsync<RpcException>(() => _room.SendAsync(room, "mallory", edge, "m1", """{"text":"hi"}""", ct));
        Assert.Equal((int)unary.StatusCode, replies[4].StatusCode);
        Assert.Equal(unary.Status.Detail, replies[4].StatusDetail);
        Assert.Null(replies[4].PublishToRoom);

        async Task ReadAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await stream.ResponseStream.MoveNext(ct));
                replies.Add(stream.ResponseStream.Current.Id, stream.ResponseStream.Current);
            }
        }
    }

    private static PublishToRoomRequest Message(string room, string edge, string user, string connection) =>
        new() { RoomId = room, UserId = user, EdgeId = edge, ConnectionId = connection, ContentJson = """{"text":"hi"}""" };
}
