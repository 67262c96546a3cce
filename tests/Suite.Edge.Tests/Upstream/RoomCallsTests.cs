using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Room.V1;
using Suite.Edge.Upstream;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.CallStreams;
using Suite.ServiceDefaults.RoomCalls;

namespace Suite.Edge.Tests.Upstream;

/// <summary>The edge's room calls over the Calls stream, against a room on a real gRPC port.</summary>
public sealed class RoomCallsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private GrpcServiceHost<ScriptedRoom> _host = null!;
    private GrpcChannelHolder _unary = null!;
    private RoomCalls _calls = null!;

    private ScriptedRoom Room => _host.Service;

    public async ValueTask InitializeAsync()
    {
        _host = await GrpcServiceHost<ScriptedRoom>.StartAsync(TestContext.Current.CancellationToken);
        var address = _host.Address;
        _unary = new GrpcChannelHolder(address);
        _calls = new RoomCalls(_unary.Client, Options.Create(new EdgeOptions { EdgeId = "edge-a", RoomAddress = address }), _time, NullLogger<RoomCalls>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _calls.DisposeAsync();
        _unary.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_calls_go_over_one_stream_and_each_gets_its_own_reply_whatever_their_order()
    {
        const int n = 50;
        // The room answers only once all 50 are open, last first: replies come in reverse call order.
        Room.HoldUntil = n;
        var sent = Enumerable.Range(1, n).Select(i => _calls.PublishToRoomAsync(Publish($"key-{i}"), Deadline(), TestContext.Current.CancellationToken)).ToArray();
        var replies = await Task.WhenAll(sent);

        Assert.Equal(Enumerable.Range(1, n).Select(i => $"key-{i}"), replies.Select(r => r.MessageId));
        Assert.Equal(n, Room.Streamed);
        Assert.Equal(0, Room.Unary);
        Assert.Equal(1, Room.StreamsOpened);
    }

    [Fact]
    public async Task A_status_from_the_room_reaches_the_caller_as_the_unary_call_would_have()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _calls.JoinAsync(
            new JoinRequest { RoomId = "vip", UserId = "u", EdgeId = "edge-a", ConnectionId = "c" }, Deadline(), TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("room 'vip' needs the claim 'vip'", ex.Status.Detail);
        Assert.Equal(1, Room.Streamed);
    }

    [Fact]
    public async Task A_room_without_the_stream_is_called_unary_and_not_asked_again_for_a_while()
    {
        Room.ServeStream = false;
        for (var i = 0; i < 3; i++)
        {
            var reply = await _calls.PublishToRoomAsync(Publish($"old-{i}"), Deadline(), TestContext.Current.CancellationToken);
            Assert.Equal($"old-{i}", reply.MessageId);
        }

        Assert.Equal(3, Room.Unary);
        Assert.Equal(1, Room.StreamsOpened);
    }

    [Fact]
    public async Task Calls_open_when_the_stream_breaks_are_made_again_unary_and_a_new_stream_opens_later()
    {
        var reply = await _calls.PublishToRoomAsync(Publish("break"), Deadline(), TestContext.Current.CancellationToken);

        Assert.Equal("break", reply.MessageId);
        Assert.Equal(1, Room.Unary);

        // Within a second of the break the calls stay unary; after it a new stream opens.
        await _calls.PublishToRoomAsync(Publish("soon"), Deadline(), TestContext.Current.CancellationToken);
        Assert.Equal(2, Room.Unary);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _calls.PublishToRoomAsync(Publish("later"), Deadline(), TestContext.Current.CancellationToken);
        Assert.Equal(2, Room.Unary);
        Assert.Equal(2, Room.StreamsOpened);
    }

    [Fact]
    public async Task A_call_the_room_does_not_answer_fails_at_its_deadline_and_the_room_knows_the_deadline()
    {
        var deadline = UpstreamDeadline.After(TimeSpan.FromMilliseconds(400));
        var ex = await Assert.ThrowsAsync<RpcException>(() => _calls.PublishToRoomAsync(Publish("hang"), deadline, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(Room.LastTimeoutMs, 1u, 400u);
        // The stream is still fine for the next call.
        Assert.Equal("next", (await _calls.PublishToRoomAsync(Publish("next"), Deadline(), TestContext.Current.CancellationToken)).MessageId);
        Assert.Equal(1, Room.StreamsOpened);
    }

    private static PublishToRoomRequest Publish(string key) =>
        new() { RoomId = "r", UserId = "u", EdgeId = "edge-a", ConnectionId = "c", ContentJson = "{}", IdempotencyKey = key };

    private static DateTime Deadline() => UpstreamDeadline.After(TimeSpan.FromSeconds(10));

    private sealed class GrpcChannelHolder(string address) : IDisposable
    {
        private readonly Grpc.Net.Client.GrpcChannel _channel = Grpc.Net.Client.GrpcChannel.ForAddress(address);

        public RoomService.RoomServiceClient Client => new(_channel);

        public void Dispose() => _channel.Dispose();
    }

    /// <summary>A room whose answers the tests script: by idempotency key and room id.</summary>
    public sealed class ScriptedRoom : RoomService.RoomServiceBase
    {
        private readonly ConcurrentQueue<TaskCompletionSource> _held = new();
        private int _streamed;
        private int _unary;
        private int _streams;

        public bool ServeStream { get; set; } = true;

        public int HoldUntil { get; set; }

        public int Streamed => Volatile.Read(ref _streamed);

        public int Unary => Volatile.Read(ref _unary);

        public int StreamsOpened => Volatile.Read(ref _streams);

        public uint LastTimeoutMs { get; private set; }

        public override async Task Calls(IAsyncStreamReader<RoomCall> requestStream, IServerStreamWriter<RoomCallReply> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref _streams);
            if (!ServeStream)
            {
                throw new RpcException(new Status(StatusCode.Unimplemented, "no Calls in this room"));
            }

            var calls = new Watching(requestStream, this);
            await new RoomCallServer(this, null, TimeProvider.System, NullLogger.Instance).ServeAsync(calls, responseStream, context);
        }

        public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"room '{request.RoomId}' needs the claim 'vip'"));

        public override async Task<PublishToRoomResponse> PublishToRoom(PublishToRoomRequest request, ServerCallContext context)
        {
            if (context is not StreamedCallContext)
            {
                Interlocked.Increment(ref _unary);
            }

            if (request.IdempotencyKey == "hang")
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            if (HoldUntil > 0)
            {
                var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Enqueue(mine);
                if (_held.Count == HoldUntil)
                {
                    // Release the last first.
                    foreach (var held in _held.Reverse())
                    {
                        held.TrySetResult();
                        await Task.Yield();
                    }
                }

                await mine.Task;
            }

            return new PublishToRoomResponse { MessageId = request.IdempotencyKey };
        }

        // Counts what arrives on the stream, notes each call's timeout and breaks the stream on "break".
        private sealed class Watching(IAsyncStreamReader<RoomCall> inner, ScriptedRoom room) : IAsyncStreamReader<RoomCall>
        {
            public RoomCall Current => inner.Current;

            public async Task<bool> MoveNext(CancellationToken cancellationToken)
            {
                if (!await inner.MoveNext(cancellationToken))
                {
                    return false;
                }

                Interlocked.Increment(ref room._streamed);
                room.LastTimeoutMs = inner.Current.TimeoutMs;
                if (inner.Current.PublishToRoom?.IdempotencyKey == "break")
                {
                    throw new RpcException(new Status(StatusCode.Internal, "the room broke the stream"));
                }

                return true;
            }
        }
    }
}
