using System.Collections.Concurrent;
using System.Text.Json;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.RoomCalls;

namespace Suite.Edge.Tests.Fakes;

/// <summary>
/// An in-memory room service speaking the real contract. It fans out the way the real one must:
/// one EdgeDelivery per edge hosting members, with a structured message the edge renders, published
/// through Dapr to <c>edge.{id}</c>.
/// </summary>
public sealed class FakeRoom(Func<DaprClient> dapr) : RoomService.RoomServiceBase
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Member>> _rooms = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Member>> _channels = new();
    private long _seq;

    /// <summary>Every call served, in order, whether it came unary or on the call stream.</summary>
    public ConcurrentQueue<string> CallLog { get; } = new();

    /// <summary>Set to make every call fail as an unreachable upstream would.</summary>
    public StatusCode? FailWith { get; set; }

    // Edges call over the Calls stream by default: serve it the way the room does.
    public override Task Calls(IAsyncStreamReader<RoomCall> requestStream, IServerStreamWriter<RoomCallReply> responseStream, ServerCallContext context) =>
        new RoomCallServer(this, null, TimeProvider.System, NullLogger.Instance).ServeAsync(requestStream, responseStream, context);

    public ConcurrentQueue<JoinRequest> Joins { get; } = new();

    public ConcurrentQueue<SubscribeRequest> Subscriptions { get; } = new();

    /// <summary>Set to hold every Join until it completes (or the caller gives up, recorded as <c>JoinCancelled</c>).</summary>
    public TaskCompletionSource? JoinGate { get; set; }

    public override async Task<JoinResponse> Join(JoinRequest request, ServerCallContext context)
    {
        Fail();
        CallLog.Enqueue($"Join {request.RoomId} {request.UserId} {request.ConnectionId}");
        Joins.Enqueue(request);
        if (JoinGate is { } gate)
        {
            try
            {
                await gate.Task.WaitAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                CallLog.Enqueue($"JoinCancelled {request.RoomId} {request.ConnectionId} {request.LeaseGeneration}");
                throw;
            }
        }

        var members = _rooms.GetOrAdd(request.RoomId, _ => new());
        var first = members.Values.All(m => m.UserId != request.UserId);
        members[request.ConnectionId] = new Member(request.UserId, request.EdgeId);
        if (first)
        {
            await PublishAsync(members.Values, Membership("user:joined", request.UserId, request.RoomId), d => d.RoomId = request.RoomId);
        }

        return new JoinResponse { UserJoined = first, MemberCount = members.Values.Select(m => m.UserId).Distinct().Count() };
    }

    public override async Task<LeaveResponse> Leave(LeaveRequest request, ServerCallContext context)
    {
        Fail();
        CallLog.Enqueue($"Leave {request.RoomId} {request.UserId} {request.ConnectionId}");
        var members = _rooms.GetOrAdd(request.RoomId, _ => new());
        members.TryRemove(request.ConnectionId, out var left);
        var last = left is not null && members.Values.All(m => m.UserId != request.UserId);
        if (last)
        {
            await PublishAsync(members.Values.Append(left!), Membership("user:left", request.UserId, request.RoomId), d => d.RoomId = request.RoomId);
        }

        return new LeaveResponse { UserLeft = last };
    }

    public override Task<ReleaseConnectionResponse> ReleaseConnection(ReleaseConnectionRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"Release {request.ConnectionId}");
        foreach (var room in _rooms.Values.Concat(_channels.Values))
        {
            room.TryRemove(request.ConnectionId, out _);
        }

        return Task.FromResult(new ReleaseConnectionResponse());
    }

    public override async Task<PublishToRoomResponse> PublishToRoom(PublishToRoomRequest request, ServerCallContext context)
    {
        Fail();
        var seq = (ulong)Interlocked.Increment(ref _seq);
        var id = Guid.NewGuid().ToString("N");
        var message = new ServerMessage
        {
            Id = id,
            Type = "message",
            Timestamp = Now(),
            Seq = seq,
            RoomId = request.RoomId,
            From = request.UserId,
            ContentJson = ByteString.CopyFromUtf8(request.ContentJson),
        };
        var members = _rooms.GetOrAdd(request.RoomId, _ => new()).Values;
        var edges = await PublishAsync(members, message, d =>
        {
            d.RoomId = request.RoomId;
            d.ExceptUserIds.Add(request.UserId);
        });
        return new PublishToRoomResponse { MessageId = id, Seq = seq, EdgesTargeted = edges };
    }

    public override Task<SubscribeResponse> Subscribe(SubscribeRequest request, ServerCallContext context)
    {
        Fail();
        CallLog.Enqueue($"Subscribe {request.Channel} {request.ConnectionId}");
        Subscriptions.Enqueue(request);
        _channels.GetOrAdd(request.Channel, _ => new())[request.ConnectionId] = new Member(request.UserId, request.EdgeId);
        return Task.FromResult(new SubscribeResponse());
    }

    public override Task<UnsubscribeResponse> Unsubscribe(UnsubscribeRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"Unsubscribe {request.Channel} {request.ConnectionId}");
        _channels.GetOrAdd(request.Channel, _ => new()).TryRemove(request.ConnectionId, out _);
        return Task.FromResult(new UnsubscribeResponse());
    }

    /// <summary>What a business publication on a channel does: one delivery per subscribed edge.</summary>
    public Task<int> PublishToChannelAsync(string channel, string type, string contentJson, string? droppableKey = null)
    {
        var id = Guid.NewGuid().ToString("N");
        var message = new ServerMessage { Id = id, Type = type, Timestamp = Now(), Channel = channel, ContentJson = ByteString.CopyFromUtf8(contentJson) };
        return PublishAsync(_channels.GetOrAdd(channel, _ => new()).Values, message, d =>
        {
            d.Channel = channel;
            if (droppableKey is not null)
            {
                d.DroppableKey = droppableKey;
            }
        });
    }

    private void Fail()
    {
        if (FailWith is { } code)
        {
            throw new RpcException(new Status(code, "room is down (test)"));
        }
    }

    private static ServerMessage Membership(string type, string userId, string roomId) =>
        new() { Id = Guid.NewGuid().ToString("N"), Type = type, Timestamp = Now(), UserId = userId, RoomId = roomId };

    private static Timestamp Now() => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);

    private async Task<int> PublishAsync(IEnumerable<Member> members, ServerMessage message, Action<EdgeDelivery> target)
    {
        var edges = members.Select(m => m.EdgeId).Distinct().ToList();
        foreach (var edge in edges)
        {
            var delivery = new EdgeDelivery { EdgeId = edge, Message = message };
            target(delivery);
            await dapr().PublishEventAsync(DaprNames.PubSub, DaprNames.EdgeTopic(edge), JsonDocument.Parse(JsonFormatter.Default.Format(delivery)).RootElement);
        }

        return edges.Count;
    }

    private sealed record Member(string UserId, string EdgeId);
}
