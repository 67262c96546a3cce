using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.CallStreams;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// An edge's call stream crowded with Connects (more than the 1,024 calls presence runs at once per
/// stream) of users that same stream watches, as when many clients reconnect to an edge that looked
/// them up for direct messages: each Connect waits for the stream's acknowledgement of its push, and
/// the acknowledgements travel on the stream behind the Connects. The caller is the edges' own
/// (<see cref="StreamedCalls{TCall, TReply}"/>, acknowledging each push as the edge's recipient
/// cache does).
/// </summary>
public sealed class CrowdedWatchStreamTests : IAsyncLifetime
{
    // Past the 1,024 calls a stream runs at once (CallStreamServer), by more than one lookup's worth.
    private const int Users = 1_100;

    // Twice the edge's default Edge:UpstreamTimeout, for a slow machine; well within the grants.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private PresenceHost _presence = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        // Grants of up to 0.8 of the replica lease (24 s) outlast every Connect's deadline: a Connect
        // confirmed in time was confirmed by the acknowledgement, not by its grant lapsing.
        _presence = await PresenceHost.StartAsync(StateKind.InMemory, ct, new Dictionary<string, string> { ["Presence:ReplicaLease"] = "00:00:30" });
        await _presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromSeconds(30), ct);
        await _presence.WaitUntilAnsweringFromMemoryAsync(ct);
    }

    public ValueTask DisposeAsync() => _presence.DisposeAsync();

    [Fact]
    public async Task More_connects_than_a_stream_runs_at_once_of_users_it_watches_are_all_confirmed_in_time_and_the_stream_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        var acks = new Acknowledger();
        using var calls = new StreamedCalls<PresenceCall, PresenceCallReply>("presence", () => _presence.Client.Calls(cancellationToken: ct), TimeProvider.System, NullLogger.Instance, acks);
        var users = Enumerable.Range(0, Users).Select(i => $"crowd-{i}").ToArray();
        foreach (var chunk in users.Chunk(1_000))
        {
            var watched = await LookupAsync(calls, chunk, ct);
            Assert.True(watched.Watch is { ValidMs: > 0 }, "presence granted the watch");
        }

        var connects = users.Select((user, i) => calls.CallAsync(
            new PresenceCall { Connect = new ConnectRequest { UserId = user, EdgeId = "edge-a", ConnectionId = $"c-{i}" } },
            static r => r.Connect,
            _ => throw new InvalidOperationException("the stream broke"),
            DateTime.UtcNow + ConnectTimeout,
            ct));
        var outcomes = await Task.WhenAll(connects.Select(Outcome));

        Assert.True(
            outcomes.All(o => o == StatusCode.OK),
            $"Connects by outcome within {ConnectTimeout.TotalSeconds} s: {string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.Equal(Users, acks.Acknowledged);
        var after = await LookupAsync(calls, [users[0], users[^1]], ct);
        Assert.All(after.Users, u => Assert.Equal(["edge-a"], u.EdgeIds));
        Assert.Equal(2, after.Users.Count);
    }

    private static Task<LookupUsersResponse> LookupAsync(StreamedCalls<PresenceCall, PresenceCallReply> calls, string[] userIds, CancellationToken ct) =>
        calls.CallAsync(
            new PresenceCall { LookupUsers = new LookupUsersRequest { UserIds = { userIds }, Watch = true } },
            static r => r.LookupUsers,
            _ => throw new InvalidOperationException("the stream broke"),
            PresenceHost.Deadline(),
            ct);

    private static async Task<StatusCode> Outcome(Task<ConnectResponse> connect)
    {
        try
        {
            await connect;
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    // Acknowledges every push that asks for it, on the stream's read loop, as the edge's RecipientCache does.
    private sealed class Acknowledger : ICallStreamObserver<PresenceCall, PresenceCallReply>
    {
        private int _acknowledged;

        public int Acknowledged => Volatile.Read(ref _acknowledged);

        public void Replied(long stream, PresenceCall call, PresenceCallReply reply)
        {
        }

        public PresenceCall? Pushed(long stream, PresenceCallReply push)
        {
            if (push.WatchedUsersChanged is not { MustAck: true } changed)
            {
                return null;
            }

            Interlocked.Increment(ref _acknowledged);
            return new PresenceCall { WatchAck = new WatchAck { PushId = changed.PushId } };
        }

        public void Ended(long stream)
        {
        }
    }
}
