using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Limits;
using Suite.Edge.Protocol.Encodings;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's own RFC 6455 handshake, as Kestrel connection middleware on every listen port: a
/// WebSocket upgrade to /ws is answered here and the socket runs straight on the connection's pipes;
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
    /// <summary>The 400 body for a request to /ws that is not a WebSocket upgrade.</summary>
    public const string NotWebSocketMessage = "this endpoint speaks WebSocket only";

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly ConnectionDelegate _next;
    private readonly ConnectionAcceptor _acceptor;
    private readonly ConnectionHandler _handler;
    private readonly TimeProvider _time;
    private readonly KestrelServerLimits _limits;
    private readonly int _internalPort;
    private readonly FrameDeflater? _deflater;

    private WebSocketHandshake(ConnectionDelegate next, IServiceProvider services)
    {
        _next = next;
        _acceptor = services.GetRequiredService<ConnectionAcceptor>();
        _handler = services.GetRequiredService<ConnectionHandler>();
        _time = services.GetRequiredService<TimeProvider>();
        _limits = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        _internalPort = services.GetRequiredService<IOptions<EdgeOptions>>().Value.InternalPort;
        _deflater = services.GetRequiredService<IOptions<ConnectionOptions>>().Value.PermessageDeflate ? services.GetRequiredService<FrameDeflater>() : null;
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
        if (connection.LocalEndPoint is System.Net.IPEndPoint { Port: var port } && Surfaces.InternalPort.IsInternal(port, _internalPort))
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

        try
        {
            var (accepted, address) = await HandshakeAsync(connection, request!);
            return accepted is { } ok ? new ConnectionHandler.Opening(ok.Connection, ok.Identity, address) : default;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away during the handshake (its token check, or our answer).
            return default;
        }
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

    // The endpoint's decisions in the endpoint's order: a valid handshake, the origin, the per-address
    // cap, admission, drain, the token. The address's place is the caller's to give back once the
    // connection ends; every way out before that gives it back here.
    private async Task<(ConnectionAcceptor.Accepted?, ConnectionCaps.AddressHold)> HandshakeAsync(ConnectionContext connection, UpgradeRequest request)
    {
        var output = connection.Transport.Output;
        if (!request.ConnectionUpgrade || !request.HasValidKey)
        {
            await RespondAsync(output, "400 Bad Request", "", NotWebSocketMessage);
            return default;
        }

        if (request.Version != "13")
        {
            // RFC 6455 §4.2.2: an unsupported version gets 426 naming the versions the server speaks.
            await RespondAsync(output, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", NotWebSocketMessage);
            return default;
        }

        // A bad request like the two above: refused before it takes an admission.
        if (!Subprotocols.TryChoose(request.Protocols, out var encoding, out var echo))
        {
            await RespondAsync(output, "400 Bad Request", "", Subprotocols.UnsupportedMessage);
            return default;
        }

        if (!_acceptor.OriginAllowed(request.Origin))
        {
            await RespondAsync(output, "403 Forbidden", "", ConnectionAcceptor.OriginNotAllowedMessage);
            return default;
        }

        // Before admission (ConnectionAcceptor's remarks): an address at its cap takes none.
        if (!_acceptor.TryHoldAddress((connection.RemoteEndPoint as IPEndPoint)?.Address, out var address))
        {
            await RespondAsync(output, "429 Too Many Requests", "Retry-After: 5\r\n", ConnectionAcceptor.TooManyFromAddressMessage);
            return default;
        }

        var handedOver = false;
        try
        {
            if (!await _acceptor.TryAdmitAsync(connection.ConnectionClosed))
            {
                await RespondAsync(output, "429 Too Many Requests", "Retry-After: 1\r\n", "");
                return default;
            }

            if (_acceptor.RefuseWhileDraining())
            {
                await RespondAsync(output, "503 Service Unavailable", "Retry-After: 1\r\n", "");
                return default;
            }

            var accepted = await AcceptAsync(connection, request, encoding, echo);
            handedOver = accepted is not null;
            return (accepted, address);
        }
        finally
        {
            if (!handedOver)
            {
                address.Release();
            }
        }
    }

    private async Task<ConnectionAcceptor.Accepted?> AcceptAsync(ConnectionContext connection, UpgradeRequest request, FrameEncoding encoding, string? echo)
    {
        var output = connection.Transport.Output;
        var aborted = connection.ConnectionClosed;
        var outcome = await _acceptor.ValidateAsync(TokenExtractor.FromParts(request.Authorization, request.Query), aborted);
        // From the 101 on, every byte to the client goes through the transport, straight to the
        // socket when Kestrel's socket transport runs the connection: it then owns the writes, and
        // nothing more is written to the output pipe, so nothing there could be sent out of order.
        var transport = new WebSocketTransport(connection.Transport.Input, output, _time.GetUtcNow(), connection.Features.Get<IConnectionSocketFeature>()?.Socket);
        var deflate = _deflater is not null && PermessageDeflate.TryAccept(request.Extensions, out var extension) ? $"Sec-WebSocket-Extensions: {extension}\r\n" : null;
        try
        {
            var protocol = echo is null ? "" : $"Sec-WebSocket-Protocol: {echo}\r\n";
            await transport.WriteFrameAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {AcceptKey(request.Key!)}\r\n{protocol}{deflate}\r\n"));
        }
        catch (IOException)
        {
            return null;
        }

        // No runtime WebSocket yet: the connection makes one on the transport when a client message
        // arrives (Connection.Socket), and an idle connection holds none.
        return _acceptor.Create(null, outcome, transport, FrameCodecs.For(encoding), deflate is null ? null : _deflater);
    }

    private static async Task RespondAsync(PipeWriter output, string status, string headers, string body)
    {
        // A refused handshake ends the connection: the client opens a new one for its next try.
        Write(output, $"HTTP/1.1 {status}\r\n{headers}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        await output.FlushAsync();
    }

    private static void Write(PipeWriter output, string text) => output.Write(Encoding.ASCII.GetBytes(text));

    // RFC 6455 §4.2.2 fixes SHA-1 here; it proves the server read the key, it protects nothing.
#pragma warning disable CA5350
    public static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350
}
