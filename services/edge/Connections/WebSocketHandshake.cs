using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's own RFC 6455 handshake, as Kestrel connection middleware on every listen port, for the
/// upgrades the edge's own listener (<see cref="ClientListener"/>) hands on to Kestrel: a head that
/// came in pieces, an https port, a port the listener does not serve. A WebSocket upgrade to /ws is
/// answered by <see cref="ClientHandshake"/> and the socket runs straight on the connection's pipes;
/// every other connection goes on, untouched, to Kestrel's HTTP pipeline.
/// </summary>
/// <remarks>
/// An upgrade through the HTTP pipeline keeps its request, response, HttpContext and the frames of
/// every middleware alive for the connection's whole life (most of an idle connection's memory);
/// here nothing of the request outlives the handshake. The request head is only peeked: when it is
/// not ours, Kestrel reads the same bytes from the start. Bytes after the head (a first frame sent
/// with the request) stay in the pipe for the socket. On an https port this runs before TLS, sees no
/// "GET " and steps aside, so the HTTP endpoint serves those upgrades as before.
/// </remarks>
public sealed class WebSocketHandshake
{
    private readonly ConnectionDelegate _next;
    private readonly ClientHandshake _handshake;
    private readonly ConnectionHandler _handler;
    private readonly TimeProvider _time;
    private readonly KestrelServerLimits _limits;
    private readonly int _internalPort;

    private WebSocketHandshake(ConnectionDelegate next, IServiceProvider services)
    {
        _next = next;
        _handshake = services.GetRequiredService<ClientHandshake>();
        _handler = services.GetRequiredService<ConnectionHandler>();
        _time = services.GetRequiredService<TimeProvider>();
        _limits = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        _internalPort = services.GetRequiredService<IOptions<EdgeOptions>>().Value.InternalPort;
    }

    private enum Decision
    {
        PassOn,
        Upgrade,
        Drop,
    }

    /// <summary>Puts the handshake in front of every Kestrel endpoint, from configuration or code.</summary>
    public static void AddToListenPorts(IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => new WebSocketHandshake(next, listen.ApplicationServices).OnConnectedAsync)));

    private Task OnConnectedAsync(ConnectionContext connection)
    {
        // The sidecar's port serves no clients (Surfaces.InternalPort answers its /ws with 404).
        if (connection.LocalEndPoint is IPEndPoint { Port: var port } && Surfaces.InternalPort.IsInternal(port, _internalPort))
        {
            return _next(connection);
        }

        // Not awaited here: the handshake and the connection's life run in the handler's one frame.
        return _handler.RunAsync(OpenAsync(connection), connection.ConnectionClosed);
    }

    private async Task<ConnectionHandler.Opening> OpenAsync(ConnectionContext connection)
    {
        var (decision, request) = await ReadHeadAsync(connection.Transport.Input);
        switch (decision)
        {
            case Decision.PassOn:
                return new ConnectionHandler.Opening(null, null, Instead: _next(connection));
            case Decision.Drop:
                return default;
        }

        // From the 101 on, every byte to the client goes through the transport, straight to the
        // socket when Kestrel's socket transport runs the connection: it then owns the writes, and
        // nothing more is written to the output pipe, so nothing there could be sent out of order.
        var transport = new WebSocketTransport(connection.Transport.Input, connection.Transport.Output, _time.GetUtcNow(), connection.Features.Get<IConnectionSocketFeature>()?.Socket);
        return await _handshake.OpenAsync(transport, request!, (connection.RemoteEndPoint as IPEndPoint)?.Address, connection.ConnectionClosed);
    }

    // Peeks until the head is complete or clearly not an upgrade to /ws, consuming nothing unless it
    // is one. Bounded in time like Kestrel's own wait for request headers.
    private async Task<(Decision, UpgradeRequest?)> ReadHeadAsync(PipeReader input)
    {
        using var timeout = new CancellationTokenSource(_limits.RequestHeadersTimeout);
        long examined = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return (Decision.Drop, null);
            }

            var buffer = result.Buffer;
            var parse = UpgradeRequest.Parse(buffer, _limits.MaxRequestLineSize, _limits.MaxRequestHeadersTotalSize, _limits.MaxRequestHeaderCount, out var request);
            if (parse == UpgradeParse.Ours)
            {
                input.AdvanceTo(buffer.GetPosition(request!.HeadLength));
                return (Decision.Upgrade, request);
            }

            if (parse == UpgradeParse.NotOurs || result.IsCompleted || result.IsCanceled)
            {
                // Examined stays where it was, so Kestrel's first read returns these bytes at once.
                input.AdvanceTo(buffer.Start, buffer.GetPosition(examined));
                return (Decision.PassOn, null);
            }

            examined = buffer.Length;
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
