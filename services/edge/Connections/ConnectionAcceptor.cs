using System.Collections.Frozen;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;

namespace Suite.Edge.Connections;

/// <summary>
/// What an upgrade decides, the same for both ways in (the edge's own handshake on the listen port,
/// and the /ws endpoint for what Kestrel's HTTP pipeline serves): the origin, the per-address cap,
/// admission, drain, the token at the upgrade, and the new connection with its auth failure already queued.
/// </summary>
/// <remarks>
/// The order matters: only a request known to be a valid WebSocket upgrade from an allowed origin,
/// from an address under its cap, takes an admission, so neither plain requests to /ws nor an address
/// that keeps upgrading past its cap can use up the admissions real clients need. A place under the
/// cap taken before a refusal (admission, drain) is given back at once.
/// </remarks>
public sealed class ConnectionAcceptor(
    AdmissionGate admission,
    AuthenticationBacklog backlog,
    ConnectionCaps caps,
    EdgeDrain drain,
    TokenValidator tokens,
    ServerFrames frames,
    IOptions<ConnectionOptions> options,
    IOptions<SendQueueOptions> queueOptions,
    TimeProvider time,
    EdgeMetrics metrics)
{
    /// <summary>The 403 body for an upgrade from an origin outside <see cref="ConnectionOptions.AllowedOrigins"/>.</summary>
    public const string OriginNotAllowedMessage = "origin not allowed";

    /// <summary>The 429 body for an upgrade over <see cref="ConnectionOptions.MaxConnectionsPerIp"/>.</summary>
    public const string TooManyFromAddressMessage = "too many connections from this address";

    // Null when every origin is allowed.
    private readonly FrozenSet<string>? _origins = options.Value.AllowedOrigins.Length == 0
        ? null
        : options.Value.AllowedOrigins.Select(NormalizeOrigin).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// False (counted) for a browser's upgrade from an origin not in the allowlist: answer 403. A
    /// request without Origin is not from a browser page, which always sends one (RFC 6455 §4.1), so
    /// the allowlist has nothing to protect there.
    /// </summary>
    public bool OriginAllowed(string? origin)
    {
        if (_origins is null || origin is null || _origins.Contains(NormalizeOrigin(origin)))
        {
            return true;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "origin"));
        return false;
    }

    /// <summary>
    /// Takes one admission; false (counted) when the connections waiting for authentication are at
    /// their cap, or over the rate: answer 429 with Retry-After. A full backlog takes no admission.
    /// </summary>
    public bool TryAdmit() => CountRefusal(room: !backlog.IsFull) && TryTakeAdmission();

    /// <summary>
    /// <see cref="TryAdmit"/>, but an upgrade that finds the authentication backlog full waits up to
    /// <see cref="ConnectionOptions.AuthenticationBacklogWait"/> for room first (the edge's own handshake).
    /// </summary>
    public async ValueTask<bool> TryAdmitAsync(CancellationToken cancellationToken) =>
        CountRefusal(room: await backlog.WaitForRoomAsync(options.Value.AuthenticationBacklogWait, cancellationToken)) && TryTakeAdmission();

    // Returns room, and counts a refusal when the authentication backlog has none.
    private bool CountRefusal(bool room)
    {
        if (!room)
        {
            metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "authenticating"));
        }

        return room;
    }

    private bool TryTakeAdmission()
    {
        if (admission.TryAdmit())
        {
            return true;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "rate"));
        return false;
    }

    /// <summary>True (counted) while the edge drains: answer 503 with Retry-After.</summary>
    public bool RefuseWhileDraining()
    {
        if (!drain.IsDraining)
        {
            return false;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "draining"));
        return true;
    }

    /// <summary>
    /// Takes a place under the per-address cap; false (counted) when the address holds the cap
    /// already: answer 429. The caller releases <paramref name="hold"/> when the connection ends.
    /// </summary>
    public bool TryHoldAddress(IPAddress? address, out ConnectionCaps.AddressHold hold)
    {
        if (caps.TryHoldAddress(address, out hold))
        {
            return true;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "address_cap"));
        return false;
    }

    public async ValueTask<TokenValidationOutcome?> ValidateAsync(string? token, CancellationToken cancellationToken) =>
        token is null ? null : await tokens.ValidateAsync(token, cancellationToken);

    /// <param name="codec">The encoding the upgrade chose (<see cref="Subprotocols"/>); JSON when null.</param>
    /// <param name="deflater">Set when the upgrade negotiated permessage-deflate (<see cref="PermessageDeflate"/>).</param>
    /// <param name="socket">The accepted WebSocket; null with <paramref name="transport"/> (see <see cref="Connection.Socket"/>).</param>
    public Accepted Create(WebSocket? socket, TokenValidationOutcome? outcome, WebSocketTransport? transport = null, IFrameCodec? codec = null, FrameDeflater? deflater = null)
    {
        var connection = new Connection(Guid.NewGuid().ToString("N"), socket, new SendQueue(queueOptions.Value, time), options.Value, time.GetUtcNow(), transport, codec, deflater);
        if (outcome is { IsValid: false })
        {
            connection.Send(frames.AuthFail(outcome.FailureReason!));
            connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, outcome.FailureReason!, Flush: true));
        }

        return new Accepted(connection, outcome is { IsValid: true } ? ConnectionLifecycle.IdentityFrom(outcome) : null);
    }

    private static string NormalizeOrigin(string origin) => origin.Trim().TrimEnd('/');

    public readonly record struct Accepted(Connection Connection, ClientIdentity? Identity);
}
