using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// An idle connection over the edge's own handshake holds no runtime WebSocket: none before its
/// first message, none again after each one (<see cref="Connection.ReleaseIdleSocket"/>), while the
/// next message and the client's close are still served as before.
/// </summary>
public sealed class IdleSocketTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    private ConnectionRegistry Registry => _edge.Services.GetRequiredService<ConnectionRegistry>();

    [Fact]
    public async Task A_connection_authenticated_at_the_upgrade_holds_no_websocket_while_it_says_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + _edge.Token("listener"));
        var ok = await client.ReceiveAsync("auth:ok", ct);
        await _edge.InboxReadAsync(ok, ct);

        var connection = Registry.Find(ok.GetProperty("connectionId").GetString()!);
        Assert.NotNull(connection);
        Assert.False(connection.HoldsSocket, "a connection that has sent no message holds no runtime WebSocket");
    }

    [Fact]
    public async Task Every_message_is_answered_and_the_websocket_let_go_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("talker", ct);
        var connection = Registry.Find(client.ConnectionId!)!;

        for (var i = 0; i < 3; i++)
        {
            await Eventually.UntilAsync(() => !connection.HoldsSocket, Deadline, ct, $"the WebSocket let go before message {i}");
            await client.SendAsync(new { type = "ping", id = $"p{i}" }, ct);
            var pong = await client.ReceiveAsync("pong", ct);
            Assert.Equal($"p{i}", pong.GetProperty("ref").GetString());
        }
    }

    [Fact]
    public async Task A_client_close_after_the_websocket_was_let_go_gets_its_status_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("closer", ct);
        var connection = Registry.Find(client.ConnectionId!)!;
        await Eventually.UntilAsync(() => !connection.HoldsSocket, Deadline, ct, "the WebSocket let go after the auth frame");

        await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
        await Eventually.UntilAsync(() => Registry.Find(client.ConnectionId!) is null, Deadline, ct, "the closed connection is unregistered");
    }
}
