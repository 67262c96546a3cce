using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Edge.Limits;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// Connections waiting for authentication are capped (Connections:MaxPendingAuthentications), and
/// one whose token was accepted is not closed for the edge's own slowness before auth:ok.
/// </summary>
public sealed class AuthenticationBacklogTests
{
    [Fact]
    public async Task Upgrades_beyond_the_connections_waiting_for_authentication_get_429_until_one_authenticates()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string>
        {
            ["Connections:MaxPendingAuthentications"] = "2",
            ["Connections:AuthenticationBacklogWait"] = "00:00:00",
        });
        var backlog = edge.Services.GetRequiredService<AuthenticationBacklog>();
        await using var first = await edge.ConnectAsync(ct);
        await using var second = await edge.ConnectAsync(ct);
        await BacklogHoldsAsync(backlog, 2, ct);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(edge.WebSocketUri, ct));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.HttpStatusCode);
        Assert.True(refused.HttpResponseHeaders?.ContainsKey("Retry-After"));

        await first.SendAsync(new { type = "auth", token = edge.Token("alice") }, ct);
        Assert.Equal("auth:ok", (await first.ReceiveAsync(ct)).GetProperty("type").GetString());

        // The authenticated connection left the backlog, so one more upgrade fits (polled: it leaves
        // once its inbox was sent, just after auth:ok).
        var admitted = await Eventually.UntilAsync(
            async () =>
            {
                var next = new ClientWebSocket();
                try
                {
                    await next.ConnectAsync(edge.WebSocketUri, ct);
                    return next;
                }
                catch (WebSocketException)
                {
                    next.Dispose();
                    return null;
                }
            },
            socket => socket is not null,
            TimeSpan.FromSeconds(10),
            ct,
            "an upgrade is admitted once a waiting connection authenticated");
        using (admitted)
        {
            Assert.Equal(WebSocketState.Open, admitted!.State);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };
        var metrics = await http.GetStringAsync("/metrics", ct);
        Assert.Contains("reason=\"authenticating\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upgrade_that_finds_the_backlog_full_waits_for_room_and_is_admitted_when_one_authenticates()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:MaxPendingAuthentications"] = "1" });
        var backlog = edge.Services.GetRequiredService<AuthenticationBacklog>();
        await using var first = await edge.ConnectAsync(ct);
        await BacklogHoldsAsync(backlog, 1, ct);
        var second = edge.ConnectAsync(ct);
        await Eventually.UntilAsync(() => backlog.Waiting == 1, TimeSpan.FromSeconds(10), ct, "the second upgrade waits for room");

        await first.SendAsync(new { type = "auth", token = edge.Token("alice") }, ct);
        Assert.Equal("auth:ok", (await first.ReceiveAsync(ct)).GetProperty("type").GetString());

        await using var admitted = await second;
        await admitted.SendAsync(new { type = "auth", token = edge.Token("bob") }, ct);
        Assert.Equal("auth:ok", (await admitted.ReceiveAsync(ct)).GetProperty("type").GetString());
        Assert.Equal(0, backlog.Waiting);
    }

    [Fact]
    public async Task An_upgrade_that_waited_the_whole_backlog_wait_gets_429()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:MaxPendingAuthentications"] = "1" });
        var backlog = edge.Services.GetRequiredService<AuthenticationBacklog>();
        await using var first = await edge.ConnectAsync(ct);
        await BacklogHoldsAsync(backlog, 1, ct);
        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        var connecting = refused.ConnectAsync(edge.WebSocketUri, ct);
        await Eventually.UntilAsync(() => backlog.Waiting == 1, TimeSpan.FromSeconds(10), ct, "the upgrade waits for room");

        edge.Time.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<WebSocketException>(() => connecting);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.HttpStatusCode);
        Assert.Equal(0, backlog.Waiting);
    }

    [Fact]
    public async Task A_connection_whose_token_was_accepted_gets_auth_ok_after_the_auth_timeout_while_presence_is_slow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        var presence = edge.Upstream.Presence;
        presence.ConnectHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var waiting = await edge.ConnectAsync(ct);
        await waiting.SendAsync(new { type = "auth", token = edge.Token("alice") }, ct);
        await Eventually.UntilAsync(() => presence.CallLog.Any(c => c.StartsWith("Connect alice ", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), ct, "the edge tells presence of alice");
        await using var silent = await edge.ConnectAsync(ct);
        await BacklogHoldsAsync(edge.Services.GetRequiredService<AuthenticationBacklog>(), 2, ct);

        edge.Time.Advance(TimeSpan.FromSeconds(6));

        // The sweep that closed the silent client ran past alice's auth timeout too.
        var (code, _, _) = await silent.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.AuthFailed, code);
        presence.ConnectHold.SetResult();
        Assert.Equal("auth:ok", (await waiting.ReceiveAsync(ct)).GetProperty("type").GetString());
    }

    // The client sees its 101 before the edge's handler counts the connection: wait for the count.
    private static Task BacklogHoldsAsync(AuthenticationBacklog backlog, int connections, CancellationToken ct) =>
        Eventually.UntilAsync(() => backlog.Count == connections, TimeSpan.FromSeconds(10), ct, $"the backlog holds {connections} connections");
}
