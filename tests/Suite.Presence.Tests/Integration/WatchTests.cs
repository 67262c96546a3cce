using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// Watches on a real presence's call stream (presence.proto, "Watches"): a lookup that asks for a
/// watch is granted one while presence answers from memory, and the watched users' changes are
/// pushed on the stream: connects (confirmed only after the stream acknowledged), disconnects and
/// the end of an edge's lease.
/// </summary>
public sealed class WatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private PresenceHost _presence = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        // A long replica lease makes grants long (up to 0.8 of it), so no grant lapses mid-test.
        _presence = await PresenceHost.StartAsync(StateKind.InMemory, ct, new Dictionary<string, string> { ["Presence:ReplicaLease"] = "00:00:30" });
        await _presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await _presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await _presence.WaitUntilAnsweringFromMemoryAsync(ct);
    }

    public ValueTask DisposeAsync() => _presence.DisposeAsync();

    [Fact]
    public async Task A_connect_of_a_watched_user_is_pushed_and_confirmed_only_after_the_stream_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        await _presence.ConnectAsync("carol", "edge-a", "c1", ct);
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        var lookup = await CallAsync(stream, new PresenceCall { Id = 1, LookupUsers = new LookupUsersRequest { UserIds = { "carol" }, Watch = true } }, ct);
        Assert.True(lookup.LookupUsers.Watch.ValidMs > 0, "presence granted the watch");
        Assert.Equal(["edge-a"], lookup.LookupUsers.Users.Single().EdgeIds);

        var connect = _presence.ConnectAsync("carol", "edge-b", "c2", ct);

        var push = await NextPushAsync(stream, ct);
        Assert.Equal(["carol"], push.UserIds);
        Assert.True(push.MustAck);
        Assert.Equal(lookup.LookupUsers.Watch.Epoch, push.Epoch);
        Assert.False(connect.IsCompleted, "the connect waits for the watching edge");
        await stream.RequestStream.WriteAsync(new PresenceCall { WatchAck = new WatchAck { PushId = push.PushId } }, ct);
        await connect;
        Assert.Equal(["edge-a", "edge-b"], (await _presence.LookupAsync(ct, "carol"))["carol"]);
    }

    [Fact]
    public async Task A_second_device_on_the_same_edge_pushes_nothing_and_waits_for_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await _presence.ConnectAsync("dora", "edge-a", "d1", ct);
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        await CallAsync(stream, new PresenceCall { Id = 1, LookupUsers = new LookupUsersRequest { UserIds = { "dora" }, Watch = true } }, ct);

        await _presence.ConnectAsync("dora", "edge-a", "d2", ct);

        // The renewal's reply comes after anything pushed before it: nothing was.
        var renewed = await CallAsync(stream, new PresenceCall { Id = 2, RenewWatches = new RenewWatchesRequest() }, ct);
        Assert.True(renewed.RenewWatches.ValidMs > 0);
    }

    [Fact]
    public async Task A_disconnect_and_the_end_of_a_lease_are_pushed_without_waiting()
    {
        var ct = TestContext.Current.CancellationToken;
        await _presence.ConnectAsync("erin", "edge-a", "e1", ct);
        await _presence.ConnectAsync("finn", "edge-b", "f1", ct);
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        await CallAsync(stream, new PresenceCall { Id = 1, LookupUsers = new LookupUsersRequest { UserIds = { "erin", "finn" }, Watch = true } }, ct);

        await _presence.DisconnectAsync("erin", "edge-a", "e1", ct);
        var left = await NextPushAsync(stream, ct);
        // edge-b stops renewing; edge-a's lease is renewed past the sweep.
        _presence.Time.Advance(Lease / 2);
        await _presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-a", Incarnation = "inc-a" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        _presence.Time.Advance(Lease / 2 + TimeSpan.FromSeconds(1));
        var expired = await NextPushAsync(stream, ct);

        Assert.Equal(["erin"], left.UserIds);
        Assert.False(left.MustAck);
        Assert.Equal(["finn"], expired.UserIds);
        Assert.False(expired.MustAck);
    }

    [Fact]
    public async Task Lookups_without_watch_and_unary_lookups_are_granted_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        var plain = await CallAsync(stream, new PresenceCall { Id = 1, LookupUsers = new LookupUsersRequest { UserIds = { "gus" } } }, ct);
        var unary = await _presence.Client.LookupUsersAsync(new LookupUsersRequest { UserIds = { "gus" }, Watch = true }, deadline: PresenceHost.Deadline(), cancellationToken: ct);

        Assert.Null(plain.LookupUsers.Watch);
        Assert.Null(unary.Watch);
    }

    private static async Task<PresenceCallReply> CallAsync(AsyncDuplexStreamingCall<PresenceCall, PresenceCallReply> stream, PresenceCall call, CancellationToken cancellationToken)
    {
        call.TimeoutMs = 10_000;
        await stream.RequestStream.WriteAsync(call, cancellationToken);
        var reply = await NextAsync(stream, r => r.Id == call.Id, cancellationToken);
        Assert.Equal((int)StatusCode.OK, reply.StatusCode);
        return reply;
    }

    private static async Task<WatchedUsersChanged> NextPushAsync(AsyncDuplexStreamingCall<PresenceCall, PresenceCallReply> stream, CancellationToken cancellationToken) =>
        (await NextAsync(stream, r => r.Id == 0, cancellationToken)).WatchedUsersChanged;

    private static async Task<PresenceCallReply> NextAsync(AsyncDuplexStreamingCall<PresenceCall, PresenceCallReply> stream, Func<PresenceCallReply, bool> wanted, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await stream.ResponseStream.MoveNext(timeout.Token))
        {
            if (wanted(stream.ResponseStream.Current))
            {
                return stream.ResponseStream.Current;
            }
        }

        throw new InvalidOperationException("the stream ended");
    }
}
