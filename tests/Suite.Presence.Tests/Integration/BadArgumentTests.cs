using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

public sealed class BadArgumentTests : IAsyncLifetime
{
    private PresenceHost _presence = null!;

    public async ValueTask InitializeAsync() =>
        _presence = await PresenceHost.StartAsync(StateKind.InMemory, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _presence.DisposeAsync();

    public static TheoryData<string, string, string, string> MissingIds => new()
    {
        { "", "edge-a", "c1", "user_id" },
        { "alice", "", "c1", "edge_id" },
        { "alice", "edge-a", "", "connection_id" },
        { "   ", "edge-a", "c1", "user_id" },
        { "al||ice", "edge-a", "c1", "user_id" },
    };

    [Theory]
    [MemberData(nameof(MissingIds))]
    public async Task Connect_and_disconnect_without_an_id_are_invalid_and_name_the_field(string userId, string edgeId, string connectionId, string field)
    {
        var ct = TestContext.Current.CancellationToken;

        var connect = await Assert.ThrowsAsync<RpcException>(() => _presence.ConnectAsync(userId, edgeId, connectionId, ct));
        var disconnect = await Assert.ThrowsAsync<RpcException>(() => _presence.DisconnectAsync(userId, edgeId, connectionId, ct));

        foreach (var error in new[] { connect, disconnect })
        {
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Lease_calls_without_edge_or_incarnation_are_invalid()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _presence.Client;

        var noEdge = await Assert.ThrowsAsync<RpcException>(() => client.RegisterEdgeAsync(new RegisterEdgeRequest { Incarnation = "i" }, cancellationToken: ct).ResponseAsync);
        var noIncarnation = await Assert.ThrowsAsync<RpcException>(() => client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-a" }, cancellationToken: ct).ResponseAsync);
        var deregister = await Assert.ThrowsAsync<RpcException>(() => client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-a" }, cancellationToken: ct).ResponseAsync);
        var negative = await Assert.ThrowsAsync<RpcException>(() => client.RegisterEdgeAsync(
            new RegisterEdgeRequest { EdgeId = "edge-a", Incarnation = "i", LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(-1)) }, cancellationToken: ct).ResponseAsync);

        Assert.All(new[] { noEdge, noIncarnation, deregister, negative }, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Contains("edge_id", noEdge.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("incarnation", noIncarnation.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("lease_duration", negative.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookups_of_too_many_or_empty_user_ids_are_invalid()
    {
        var ct = TestContext.Current.CancellationToken;

        var tooMany = await Assert.ThrowsAsync<RpcException>(() => _presence.LookupAsync(ct, Enumerable.Range(0, 1001).Select(i => $"u{i}").ToArray()));
        var empty = await Assert.ThrowsAsync<RpcException>(() => _presence.LookupAsync(ct, "alice", ""));
        var get = await Assert.ThrowsAsync<RpcException>(() => _presence.GetAsync("", ct));

        Assert.All(new[] { tooMany, empty, get }, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Contains("user_ids", tooMany.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("user_ids", empty.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("user_id", get.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await _presence.LookupAsync(ct));
    }

    [Fact]
    public async Task Connect_on_an_edge_without_a_lease_is_a_failed_precondition()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<RpcException>(() => _presence.ConnectAsync("alice", "edge-never-registered", "c1", ct));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Empty(await _presence.LookupAsync(ct, "alice"));
    }

    [Fact]
    public async Task Renewing_a_lease_that_never_existed_is_not_found()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<RpcException>(() => _presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-x", Incarnation = "i" }, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Unreachable_state_store_is_unavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var down = await PresenceHost.StartWithoutSidecarAsync();

        var connect = await Assert.ThrowsAsync<RpcException>(() => down.ConnectAsync("alice", "edge-a", "c1", ct));
        var lookup = await Assert.ThrowsAsync<RpcException>(() => down.LookupAsync(ct, "alice"));
        var register = await Assert.ThrowsAsync<RpcException>(() => down.RegisterAsync("edge-a", "i", TimeSpan.FromSeconds(10), ct));

        Assert.All(new[] { connect, lookup, register }, e => Assert.Equal(StatusCode.Unavailable, e.StatusCode));
    }
}
