using System.Collections.Concurrent;
using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Notification.Tests.Fakes;

/// <summary>Presence with canned answers: which edges each user is on, which edges hold a lease.</summary>
public sealed class FakePresence : PresenceService.PresenceServiceBase
{
    private readonly ConcurrentDictionary<string, string[]> _users = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new();
    private int _failuresLeft;

    public ConcurrentQueue<string> LookedUp { get; } = new();

    /// <summary>The number of user ids in each LookupUsers call.</summary>
    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public IReadOnlyList<string> LiveEdges { get; set; } = [];

    public void Place(string userId, params string[] edgeIds) => _users[userId] = edgeIds;

    /// <summary>The next <paramref name="calls"/> calls fail with UNAVAILABLE, as a presence that is down would.</summary>
    public void FailNext(int calls) => Volatile.Write(ref _failuresLeft, calls);

    /// <summary>Lookups of <paramref name="userId"/> wait until the returned release is called, so a test can overlap two publishes.</summary>
    public Action Hold(string userId)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held[userId] = gate;
        return () => gate.TrySetResult();
    }

    public override async Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        BatchSizes.Enqueue(request.UserIds.Count);
        foreach (var user in request.UserIds)
        {
            LookedUp.Enqueue(user);
        }

        foreach (var user in request.UserIds)
        {
            if (_held.TryGetValue(user, out var gate))
            {
                await gate.Task.WaitAsync(context.CancellationToken);
            }
        }

        FailIfAsked();
        var response = new LookupUsersResponse();
        foreach (var user in request.UserIds)
        {
            if (_users.TryGetValue(user, out var edges))
            {
                response.Users.Add(new UserEdges { UserId = user, EdgeIds = { edges } });
            }
        }

        return response;
    }

    public override Task<ListEdgesResponse> ListEdges(ListEdgesRequest request, ServerCallContext context)
    {
        FailIfAsked();
        return Task.FromResult(new ListEdgesResponse { Edges = { LiveEdges.Select(e => new EdgeLease { EdgeId = e, Incarnation = "i1" }) } });
    }

    private void FailIfAsked()
    {
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "presence is down (test)"));
        }
    }
}
