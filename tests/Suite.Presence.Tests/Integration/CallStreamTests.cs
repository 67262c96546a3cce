using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

/// <summary>PresenceService.Calls on a real presence: each call is answered as the unary RPC of the same name would be.</summary>
public sealed class CallStreamTests : IAsyncLifetime
{
    private PresenceHost _presence = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await _presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromSeconds(30), ct);
        await _presence.RegisterAsync("edge-b", "inc-b", TimeSpan.FromSeconds(30), ct);
        await _presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await _presence.ConnectAsync("alice", "edge-b", "laptop", ct);
        await _presence.ConnectAsync("bob", "edge-b", "bob-1", ct);
    }

    public ValueTask DisposeAsync() => _presence.DisposeAsync();

    [Fact]
    public async Task Lookups_on_the_stream_get_the_unary_answers_matched_by_id()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        string[][] asked = [["alice"], ["bob", "carol"], ["carol"], ["alice", "bob"]];
        for (var i = 0; i < asked.Length; i++)
        {
            await stream.RequestStream.WriteAsync(new PresenceCall { Id = (ulong)(100 + i), TimeoutMs = 10_000, LookupUsers = new LookupUsersRequest { UserIds = { asked[i] } } }, ct);
        }

        var replies = await ReadAsync(stream, asked.Length, ct);

        for (var i = 0; i < asked.Length; i++)
        {
            var reply = replies[(ulong)(100 + i)];
            Assert.Equal((int)StatusCode.OK, reply.StatusCode);
            var unary = await _presence.Client.LookupUsersAsync(new LookupUsersRequest { UserIds = { asked[i] } }, cancellationToken: ct);
            Assert.Equal(unary, reply.LookupUsers);
        }

        Assert.Equal(["edge-a", "edge-b"], replies[100].LookupUsers.Users.Single().EdgeIds.Order(StringComparer.Ordinal));
        Assert.Empty(replies[102].LookupUsers.Users);
    }

    [Fact]
    public async Task Bad_lookups_and_empty_calls_are_answered_with_the_status_and_the_stream_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = _presence.Client.Calls(cancellationToken: ct);
        var tooMany = new LookupUsersRequest { UserIds = { Enumerable.Range(0, 1001).Select(i => $"u{i}") } };
        await stream.RequestStream.WriteAsync(new PresenceCall { Id = 1, LookupUsers = tooMany }, ct);
        await stream.RequestStream.WriteAsync(new PresenceCall { Id = 2 }, ct);
        await stream.RequestStream.WriteAsync(new PresenceCall { Id = 3, LookupUsers = new LookupUsersRequest { UserIds = { "bob" } } }, ct);

        var replies = await ReadAsync(stream, 3, ct);

        var unary = await Assert.ThrowsAsync<RpcException>(() => _presence.Client.LookupUsersAsync(tooMany, cancellationToken: ct).ResponseAsync);
        Assert.Equal((int)StatusCode.InvalidArgument, replies[1].StatusCode);
        Assert.Equal(unary.Status.Detail, replies[1].StatusDetail);
        Assert.Null(replies[1].LookupUsers);
        Assert.Equal((int)StatusCode.InvalidArgument, replies[2].StatusCode);
        Assert.Contains("names no RPC", replies[2].StatusDetail, StringComparison.Ordinal);
        Assert.Equal((int)StatusCode.OK, replies[3].StatusCode);
        Assert.Equal(["edge-b"], replies[3].LookupUsers.Users.Single().EdgeIds);
    }

    private static async Task<Dictionary<ulong, PresenceCallReply>> ReadAsync(AsyncDuplexStreamingCall<PresenceCall, PresenceCallReply> stream, int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var replies = new Dictionary<ulong, PresenceCallReply>();
        while (replies.Count < count && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            replies.Add(stream.ResponseStream.Current.Id, stream.ResponseStream.Current);
        }

        return replies;
    }
}
