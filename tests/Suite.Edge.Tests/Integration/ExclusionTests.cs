using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Delivery;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// A delivery's exceptions (a room message leaves out its sender's user; an inbox ack one
/// connection): the excepted users' and connections' sockets get nothing, everyone else the frame,
/// through a real edge and real WebSocket clients.
/// </summary>
public sealed class ExclusionTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;
    private DeliveryDispatcher _dispatcher = null!;

    public async ValueTask InitializeAsync()
    {
        _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);
        _dispatcher = _edge.Services.GetRequiredService<DeliveryDispatcher>();
    }

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Excepted_users_and_connections_get_nothing_and_everyone_else_gets_the_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alicePhone = await _edge.ConnectAsAsync("alice", ct);
        await using var aliceLaptop = await _edge.ConnectAsAsync("alice", ct);
        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        await using var carol = await _edge.ConnectAsAsync("carol", ct);

        Assert.Equal(2, Deliver("no-alice", d => d.ExceptUserIds.Add("alice")));
        Assert.Equal(3, Deliver("no-phone", d => d.ExceptConnectionIds.Add(alicePhone.ConnectionId!)));
        Assert.Equal(1, Deliver("only-carol", d => d.ExceptUserIds.Add(["alice", "bob", "alice"])));
        Assert.Equal(4, Deliver("not-here", d => d.ExceptUserIds.Add("zed")));
        Assert.Equal(0, Deliver("nobody", d =>
        {
            d.ExceptUserIds.Add(["alice", "carol"]);
            d.ExceptConnectionIds.Add(bob.ConnectionId!);
        }));
        Assert.Equal(4, Deliver("end", _ => { }));

        // Frames arrive in the order dispatched, so what each client read up to "end" is all it got.
        Assert.Equal(["not-here", "end"], await TypesUntilEndAsync(alicePhone, ct));
        Assert.Equal(["no-phone", "not-here", "end"], await TypesUntilEndAsync(aliceLaptop, ct));
        Assert.Equal(["no-alice", "no-phone", "not-here", "end"], await TypesUntilEndAsync(bob, ct));
        Assert.Equal(["no-alice", "no-phone", "only-carol", "not-here", "end"], await TypesUntilEndAsync(carol, ct));
    }

    private int Deliver(string type, Action<EdgeDelivery> except)
    {
        var delivery = new EdgeDelivery
        {
            EdgeId = _edge.EdgeId,
            Everyone = true,
            Message = new ServerMessage { Id = $"{type}-{Guid.NewGuid():N}", Type = type, Json = $$"""{"type":"{{type}}"}""" },
        };
        except(delivery);
        return _dispatcher.Dispatch(delivery, urgentTopic: false) ?? -1;
    }

    private static readonly HashSet<string> Types = ["no-alice", "no-phone", "only-carol", "not-here", "nobody", "end"];

    private static async Task<string[]> TypesUntilEndAsync(TestClient client, CancellationToken ct)
    {
        var types = new List<string>();
        while (types.LastOrDefault() != "end")
        {
            var frame = await client.ReceiveAsync(f => f.TryGetProperty("type", out var t) && Types.Contains(t.GetString()!), ct);
            types.Add(frame.GetProperty("type").GetString()!);
        }

        return [.. types];
    }
}
