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
    private readonly ConcurrentDictionary<string, RoomHistory> _history = new();
    private readonly ConcurrentDictionary<(string RoomId, string Key), PublishToRoomResponse> _answers = new();

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

        return new JoinResponse { UserJoined = first, MemberCount = members.Values.Select(m => m.UserId).Distinct().Count(), LastSeq = LastSeq(request.RoomId), Epoch = Epoch };
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

    /// <summary>The idempotency key of every PublishToRoom, in order.</summary>
    public ConcurrentQueue<string> IdempotencyKeys { get; } = new();

    // As the real room's idempotency window (without its expiry): a repeated key in a room gets the
    // first answer, and nothing is stored or delivered again.
    public override async Task<PublishToRoomResponse> PublishToRoom(PublishToRoomRequest request, ServerCallContext context)
    {
        Fail();
        IdempotencyKeys.Enqueue(request.IdempotencyKey);
        var roomKey = (request.RoomId, request.IdempotencyKey);
        if (request.IdempotencyKey.Length > 0 && _answers.TryGetValue(roomKey, out var first))
        {
            return first;
        }

        var message = Commit(request.RoomId, request.UserId, request.ContentJson);
        var edges = await PublishMessageAsync(message);
        var answer = new PublishToRoomResponse { MessageId = message.Id, Seq = message.Seq, EdgesTargeted = edges };
        if (request.IdempotencyKey.Length > 0)
        {
            _answers[roomKey] = answer;
        }

        return answer;
    }

    /// <summary>The room's epoch, as JoinResponse and GetHistory report it; a test changes it to model lost history.</summary>
    public string Epoch { get; set; } = "epoch-1";

    /// <summary>Messages kept per room; older ones are gone from history (truncated), as in the real room.</summary>
    public int HistorySize { get; set; } = 100;

    /// <summary>Set to hold every GetHistory (before it reads) until it completes.</summary>
    public TaskCompletionSource? HistoryGate { get; set; }

    public ConcurrentQueue<GetHistoryRequest> HistoryRequests { get; } = new();

    /// <summary>The users with a connection in the room now.</summary>
    public IReadOnlyCollection<string> Members(string roomId) => _rooms.GetOrAdd(roomId, _ => new()).Values.Select(m => m.UserId).ToList();

    public ulong LastSeq(string roomId) => _history.GetOrAdd(roomId, _ => new()).Last;

    /// <summary>Stores a message as PublishToRoom does, without delivering it (its publish still "in flight").</summary>
    public ServerMessage Commit(string roomId, string userId, string contentJson)
    {
        var history = _history.GetOrAdd(roomId, _ => new());
        lock (history)
        {
            var message = new ServerMessage
            {
                Id = Guid.NewGuid().ToString("N"),
                Type = "message",
                Timestamp = Now(),
                Seq = history.Last + 1,
                RoomId = roomId,
                From = userId,
                ContentJson = ByteString.CopyFromUtf8(contentJson),
            };
            history.Messages.Add(message);
            if (history.Messages.Count > HistorySize)
            {
                history.Messages.RemoveAt(0);
            }

            history.Last = message.Seq;
            return message;
        }
    }

    /// <summary>Delivers a room message to every edge hosting the room, the sender excluded, as PublishToRoom does.</summary>
    public Task<int> PublishMessageAsync(ServerMessage message) =>
        PublishAsync(_rooms.GetOrAdd(message.RoomId, _ => new()).Values, message, d =>
        {
            d.RoomId = message.RoomId;
            d.ExceptUserIds.Add(message.From);
        });

    // The real room's ranges (room.proto): after_seq or the last N, below before_seq, capped by limit.
    public override async Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        Fail();
        HistoryRequests.Enqueue(request);
        if (HistoryGate is { } gate)
        {
            await gate.Task.WaitAsync(context.CancellationToken);
        }

        var history = _history.GetOrAdd(request.RoomId, _ => new());
        lock (history)
        {
            var response = new GetHistoryResponse { LastSeq = history.Last, Epoch = Epoch };
            var upper = request.BeforeSeq > 0 ? Math.Min(history.Last, request.BeforeSeq - 1) : history.Last;
            var oldest = history.Messages.Count > 0 ? history.Messages[0].Seq : history.Last + 1;
            var limit = request.Limit > 0 ? request.Limit : 100;
            IEnumerable<ServerMessage> kept = history.Messages.Where(m => m.Seq <= upper);
            if (request.RangeCase == GetHistoryRequest.RangeOneofCase.AfterSeq)
            {
                response.Truncated = request.AfterSeq + 1 < oldest && request.AfterSeq < upper;
                var after = kept.Where(m => m.Seq > request.AfterSeq).ToList();
                kept = after.Take(limit);
                response.More = after.Count > limit;
            }
            else
            {
                var last = request.Last > 0 ? request.Last : 100;
                response.Truncated = upper >= 1 && (upper < (ulong)last ? 1 : upper - (ulong)last + 1) < oldest;
                kept = kept.TakeLast(Math.Min(last, limit));
            }

            response.Messages.AddRange(kept.Select(m => new Contracts.Room.V1.RoomMessage
            {
                Id = m.Id,
                Seq = m.Seq,
                Timestamp = m.Timestamp,
                UserId = m.From,
                ContentJson = m.ContentJson.ToStringUtf8(),
            }));
            return response;
        }
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

    private sealed class RoomHistory
    {
        public List<ServerMessage> Messages { get; } = [];

        public ulong Last { get; set; }
    }
}
