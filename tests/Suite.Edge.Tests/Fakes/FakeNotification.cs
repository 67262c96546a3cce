using System.Collections.Concurrent;
using Grpc.Core;
using Suite.Contracts.Notification.V1;

namespace Suite.Edge.Tests.Fakes;

/// <summary>Notification's inbox as an edge sees it: canned pending items per user, recorded acks, and a switch to be down.</summary>
public sealed class FakeNotification : NotificationService.NotificationServiceBase
{
    private readonly ConcurrentDictionary<string, List<InboxItem>> _inboxes = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new();
    private volatile AckHold? _ackHold;

    public ConcurrentQueue<AckRequest> Acks { get; } = new();

    public ConcurrentQueue<string> InboxReads { get; } = new();

    /// <summary>When set, GetInbox and Ack answer this status, as a notification service that is down.</summary>
    public StatusCode? FailsWith { get; set; }

    public void Pending(string userId, params InboxItem[] items) => _inboxes[userId] = [.. items];

    /// <summary>GetInbox of <paramref name="userId"/> waits until the returned release is called.</summary>
    public Action Hold(string userId)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held[userId] = gate;
        return () => gate.TrySetResult();
    }

    public override async Task<GetInboxResponse> GetInbox(GetInboxRequest request, ServerCallContext context)
    {
        InboxReads.Enqueue(request.UserId);
        if (_held.TryGetValue(request.UserId, out var gate))
        {
            await gate.Task.WaitAsync(context.CancellationToken);
        }

        Fail();
        return new GetInboxResponse { Items = { _inboxes.GetValueOrDefault(request.UserId) ?? [] } };
    }

    /// <summary>Every Ack waits until the returned release is called; <c>Arrived</c> completes when the first one comes.</summary>
    public (Task Arrived, Action Release) HoldAcks()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ackHold = new AckHold(arrived, gate);
        return (arrived.Task, () => gate.TrySetResult());
    }

    public override async Task<AckResponse> Ack(AckRequest request, ServerCallContext context)
    {
        if (_ackHold is { } hold)
        {
            hold.Arrived.TrySetResult();
            await hold.Gate.Task.WaitAsync(context.CancellationToken);
        }

        Fail();
        Acks.Enqueue(request);
        return new AckResponse { Removed = request.Ids.Count };
    }

    private void Fail()
    {
        if (FailsWith is { } code)
        {
            throw new RpcException(new Status(code, "notification is down (test)"));
        }
    }

    private sealed record AckHold(TaskCompletionSource Arrived, TaskCompletionSource Gate);
}
