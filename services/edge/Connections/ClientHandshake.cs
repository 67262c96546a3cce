using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Limits;
using Suite.Edge.Protocol.Encodings;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's answer to a parsed WebSocket upgrade (RFC 6455 §4.2), whichever way its head was read:
/// by the edge's own listener (<see cref="ClientListener"/>) or by the connection middleware in front
/// of Kestrel's HTTP pipeline (<see cref="WebSocketHandshake"/>). It checks the request in the
/// endpoint's order (a valid handshake, the subprotocol, the origin, the per-address cap, admission,
/// drain, the token), answers a refusal itself, and on success writes the 101 and makes the
/// connection <see cref="ConnectionHandler"/> runs.
/// </summary>
public sealed class ClientHandshake
{
    /// <summary>The 400 body for a request to /ws that is not a WebSocket upgrade.</summary>
    public const string NotWebSocketMessage = "this endpoint speaks WebSocket only";

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly ConnectionAcceptor _acceptor;
    private readonly FrameDeflater? _deflater;

    public ClientHandshake(ConnectionAcceptor acceptor, IServiceProvider services)
    {
        _acceptor = acceptor;
        _deflater = services.GetRequiredService<IOptions<ConnectionOptions>>().Value.PermessageDeflate ? services.GetRequiredService<FrameDeflater>() : null;
    }

    /// <summary>
    /// Answers <paramref name="request"/> over <paramref name="transport"/>: the connection it opened,
    /// for <see cref="ConnectionHandler.RunAsync(Task{ConnectionHandler.Opening}, CancellationToken)"/>
    /// to run, or nothing (refused, or the client went away).
    /// </summary>
    public async Task<ConnectionHandler.Opening> OpenAsync(WebSocketTransport transport, UpgradeRequest request, IPAddress? remote, CancellationToken closed)
    {
        try
        {
            var (accepted, address) = await HandshakeAsync(transport, request, remote, closed);
            return accepted is { } ok ? new ConnectionHandler.Opening(ok.Connection, ok.Identity, address) : default;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away during the handshake (its token check, or our answer).
            return default;
        }
    }

    // The address's place is the caller's to give back once the connection ends; every way out
    // before that gives it back here.
    private async Task<(ConnectionAcceptor.Accepted?, ConnectionCaps.AddressHold)> HandshakeAsync(WebSocketTransport transport, UpgradeRequest request, IPAddress? remote, CancellationToken closed)
    {
        if (!request.ConnectionUpgrade || !request.HasValidKey)
        {
            await RespondAsync(transport, "400 Bad Request", "", NotWebSocketMessage);
            return default;
        }

        if (request.Version != "13")
        {
            // RFC 6455 §4.2.2: an unsupported version gets 426 naming the versions the server speaks.
            await RespondAsync(transport, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", NotWebSocketMessage);
            return default;
        }

        // A bad request like the two above: refused before it takes an admission.
        if (!Subprotocols.TryChoose(request.Protocols, out var encoding, out var echo))
        {
            await RespondAsync(transport, "400 Bad Request", "", Subprotocols.UnsupportedMessage);
            return default;
        }

        if (!_acceptor.OriginAllowed(request.Origin))
        {
            await RespondAsync(transport, "403 Forbidden", "", ConnectionAcceptor.OriginNotAllowedMessage);
            return default;
        }

        // Before admission (ConnectionAcceptor's remarks): an address at its cap takes none.
        if (!_acceptor.TryHoldAddress(remote, out var address))
        {
            await RespondAsync(transport, "429 Too Many Requests", "Retry-After: 5\r\n", ConnectionAcceptor.TooManyFromAddressMessage);
            return default;
        }

        var handedOver = false;
        try
        {
            if (!await _acceptor.TryAdmitAsync(closed))
            {
                await RespondAsync(transport, "429 Too Many Requests", "Retry-After: 1\r\n", "");
                return default;
            }

            if (_acceptor.RefuseWhileDraining())
            {
                await RespondAsync(transport, "503 Service Unavailable", "Retry-After: 1\r\n", "");
                return default;
            }

            var accepted = await AcceptAsync(transport, request, encoding, echo, closed);
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

    private async Task<ConnectionAcceptor.Accepted?> AcceptAsync(WebSocketTransport transport, UpgradeRequest request, FrameEncoding encoding, string? echo, CancellationToken closed)
    {
        var outcome = await _acceptor.ValidateAsync(TokenExtractor.FromParts(request.Authorization, request.Query), closed);
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

    // A refused handshake ends the connection: the client opens a new one for its next try.
    private static async Task RespondAsync(WebSocketTransport transport, string status, string headers, string body) =>
        await transport.WriteFrameAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));

    // RFC 6455 §4.2.2 fixes SHA-1 here; it proves the server read the key, it protects nothing.
#pragma warning disable CA5350
    public static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350
}
