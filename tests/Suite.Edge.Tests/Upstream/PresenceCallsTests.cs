using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Presence.V1;
using Suite.Edge.Tests.Fakes;
using Suite.Edge.Upstream;

namespace Suite.Edge.Tests.Upstream;

/// <summary>The edge's presence lookups over the Calls stream, against a presence on a real gRPC port.</summary>
public sealed class PresenceCallsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private GrpcServiceHost<FakePresence> _host = null!;
    private GrpcChannel _unary = null!;
    private string _address = null!;
    private PresenceCalls _calls = null!;

    private FakePresence Presence => _host.Service;

    public async ValueTask InitializeAsync()
    {
        _host = await GrpcServiceHost<FakePresence>.StartAsync(TestContext.Current.CancellationToken);
        _address = _host.Address;
        _unary = GrpcChannel.ForAddress(_address);
        _calls = new PresenceCalls(new PresenceService.PresenceServiceClient(_unary), Options.Create(new EdgeOptions { EdgeId = "edge-a", PresenceAddress = _address }), _time, NullLogger<PresenceCalls>.Instance);

        var client = new PresenceService.PresenceServiceClient(_unary);
        await client.ConnectAsync(new ConnectRequest { UserId = "alice", EdgeId = "edge-a", ConnectionId = "c1" }, cancellationToken: TestContext.Current.CancellationToken);
        await client.ConnectAsync(new ConnectRequest { UserId = "bob", EdgeId = "edge-b", ConnectionId = "c2" }, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _calls.DisposeAsync();
        _unary.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_lookups_go_over_the_stream_and_each_gets_its_own_answer()
    {
        var users = new[] { "alice", "bob", "carol" };
        var lookups = Enumerable.Range(0, 30).Select(i => _calls.LookupUsersAsync(Lookup(users[i % 3]), Deadline(), TestContext.Current.CancellationToken)).ToArray();
        var answers = await Task.WhenAll(lookups);

        for (var i = 0; i < answers.Length; i++)
        {
            var expected = users[i % 3] switch { "alice" => "edge-a", "bob" => "edge-b", _ => null };
            Assert.Equal(expected, answers[i].Users.SingleOrDefault(u => u.UserId == users[i % 3])?.EdgeIds.Single());
        }

        Assert.Equal(30, Presence.StreamedLookups);
    }

    [Fact]
    public async Task A_status_from_presence_reaches_the_caller_as_the_unary_call_would_have()
    {
        var streamed = await Assert.ThrowsAsync<RpcException>(() => _calls.LookupUsersAsync(Lookup("alice", ""), Deadline(), TestContext.Current.CancellationToken));
        var unary = await Assert.ThrowsAsync<RpcException>(() => new PresenceService.PresenceServiceClient(_unary).LookupUsersAsync(Lookup("alice", ""), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, streamed.StatusCode);
        Assert.Equal(unary.Status.Detail, streamed.Status.Detail);
        Assert.Equal(1, Presence.StreamedLookups);
    }

    [Fact]
    public async Task Connects_and_disconnects_go_over_the_stream_and_answer_as_the_unary_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        var connected = await _calls.ConnectAsync(new ConnectRequest { UserId = "carol", EdgeId = "edge-a", ConnectionId = "c3" }, Deadline(), ct);
        var lookup = await _calls.LookupUsersAsync(Lookup("carol"), Deadline(), ct);
        var disconnected = await _calls.DisconnectAsync(new DisconnectRequest { UserId = "carol", EdgeId = "edge-a", ConnectionId = "c3" }, Deadline(), ct);

        Assert.True(connected.UserCameOnline);
        Assert.Equal("edge-a", lookup.Users.Single().EdgeIds.Single());
        Assert.True(disconnected.UserWentOffline);
        Assert.Equal(2, Presence.StreamedConnectsAndDisconnects);
        Assert.DoesNotContain(Presence.Connections, c => c.ConnectionId == "c3");
    }

    [Fact]
    public async Task A_failed_disconnect_on_the_stream_reaches_the_caller_with_its_status()
    {
        Presence.DisconnectFailsWith = StatusCode.Unavailable;

        var failure = await Assert.ThrowsAsync<RpcException>(() => _calls.DisconnectAsync(new DisconnectRequest { UserId = "alice", EdgeId = "edge-a", ConnectionId = "c1" }, Deadline(), TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Equal(1, Presence.StreamedConnectsAndDisconnects);
    }

    [Fact]
    public async Task A_presence_without_the_stream_is_looked_up_unary_and_not_asked_again_for_a_while()
    {
        Presence.ServeCallStream = false;
        for (var i = 0; i < 3; i++)
        {
            var answer = await _calls.LookupUsersAsync(Lookup("bob"), Deadline(), TestContext.Current.CancellationToken);
            Assert.Equal("edge-b", answer.Users.Single().EdgeIds.Single());
        }

        Assert.Equal(0, Presence.StreamedLookups);
        Assert.Equal(3, Presence.CallLog.Count(c => c == "LookupUsers bob"));

        // Asked again only after the pause an UNIMPLEMENTED earns (5 minutes), and then it may have learnt it.
        Presence.ServeCallStream = true;
        await _calls.LookupUsersAsync(Lookup("bob"), Deadline(), TestContext.Current.CancellationToken);
        Assert.Equal(0, Presence.StreamedLookups);
        _time.Advance(TimeSpan.FromMinutes(5));
        await _calls.LookupUsersAsync(Lookup("bob"), Deadline(), TestContext.Current.CancellationToken);
        Assert.Equal(1, Presence.StreamedLookups);
    }

    [Fact]
    public async Task With_the_stream_switched_off_every_lookup_is_unary()
    {
        await using var unaryOnly = new PresenceCalls(
            new PresenceService.PresenceServiceClient(_unary),
            Options.Create(new EdgeOptions { EdgeId = "edge-a", PresenceAddress = _address, PresenceCallStream = false }),
            _time,
            NullLogger<PresenceCalls>.Instance);

        var answer = await unaryOnly.LookupUsersAsync(Lookup("alice"), Deadline(), TestContext.Current.CancellationToken);

        Assert.Equal("edge-a", answer.Users.Single().EdgeIds.Single());
        Assert.Equal(0, Presence.StreamedLookups);
    }

    private static LookupUsersRequest Lookup(params string[] users) => new() { UserIds = { users } };

    private static DateTime Deadline() => UpstreamDeadline.After(TimeSpan.FromSeconds(10));
}
