using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Connections;

/// <summary>Limits and timers of one client connection (section "Connections").</summary>
public sealed class ConnectionOptions
{
    public const string Section = "Connections";

    /// <summary>WebSocket ping interval; a client that does not pong within <see cref="HeartbeatTimeout"/> is dropped.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>No frame from the client for this long closes the connection with <see cref="CloseCodes.IdleTimeout"/>.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>No client frame for this long marks an Active connection Idle (a state, not a close).</summary>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A larger client frame closes the connection with 1009.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    [Range(1, 100_000)]
    public int MessagesPerSecond { get; set; } = 50;

    [Range(1024, 100 * 1024 * 1024)]
    public int BytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>Frames refused for rate within one second before the edge stops answering and closes with 1008.</summary>
    [Range(1, 100_000)]
    public int RateLimitStrikes { get; set; } = 100;

    [Range(1, 100_000)]
    public int MaxRoomsPerConnection { get; set; } = 100;

    [Range(1, 100_000)]
    public int MaxChannelsPerConnection { get; set; } = 100;

    /// <summary>New connections per second this edge admits; more get HTTP 429, so a reconnect storm queues at the client.</summary>
    [Range(1, 1_000_000)]
    public int AdmissionsPerSecond { get; set; } = 1000;

    /// <summary>
    /// Connections this edge holds that are not authenticated yet (waiting for their token, or for
    /// presence before <c>auth:ok</c>); at this many a new upgrade gets HTTP 429 with Retry-After, so
    /// a reconnect storm waits at the clients rather than in the edge past the auth timeout. 0 is no cap.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxPendingAuthentications { get; set; } = 1000;

    /// <summary>
    /// How long an upgrade that finds <see cref="MaxPendingAuthentications"/> reached waits for room
    /// (its 101 held back) before it gets HTTP 429; zero refuses at once. Waiting costs the edge only
    /// the socket; a refused client comes back through the whole upgrade.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan AuthenticationBacklogWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Open connections one client address (the TCP peer) may hold on this edge; one more gets HTTP
    /// 429 at the upgrade. 0 (the default) is no cap: behind a proxy or NAT every client shares the
    /// proxy's address, so set it only where the edge sees client addresses.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxConnectionsPerIp { get; set; }

    /// <summary>
    /// Open connections one user (token <c>sub</c>) may hold on this edge; one more is refused at
    /// authentication with <c>too_many_connections</c> and close <see cref="CloseCodes.TooManyConnections"/>.
    /// 0 (the default) is no cap.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxConnectionsPerUser { get; set; }

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose browser pages may open a WebSocket here; an upgrade
    /// with any other <c>Origin</c> gets HTTP 403. Empty (the default) allows every origin; an upgrade
    /// without an <c>Origin</c> header (not a browser) is always allowed.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// How long a connection the edge is closing may take to finish (queued frames, its close frame
    /// and the client's answer) before its socket is aborted, so a client that ignores the close
    /// cannot keep it.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long shutdown waits for queues to drain before closing what is left.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: a socket's received bytes
    /// are handled on the thread that saw them arrive instead of after a hop through the thread pool.
    /// Off by default: client frames (auth included) would then be parsed on the socket engine's
    /// thread, which every other socket waits behind. Measured for idle connections in
    /// docs/benchmarks.md (issue 10).
    /// </summary>
    public bool InlineSocketScheduling { get; set; }

    /// <summary>
    /// permessage-deflate (RFC 7692) for clients that offer it. Off by default: compressing costs the
    /// edge CPU per delivery (once per encoding, shared by every recipient) and each reading client
    /// CPU per frame; it pays where bandwidth costs more than CPU. Measured in docs/benchmarks.md.
    /// </summary>
    public bool PermessageDeflate { get; set; }

    /// <summary>Smaller messages go uncompressed (RSV1 clear) even to a deflate client: a few dozen bytes hardly shrink.</summary>
    [Range(0, 16 * 1024 * 1024)]
    public int DeflateMinBytes { get; set; } = 256;

    /// <summary>zlib's compression level, 1 (fastest) to 9 (smallest).</summary>
    [Range(1, 9)]
    public int DeflateLevel { get; set; } = 1;

    /// <summary>Upper bound of the jittered <c>retryAfterMs</c> in the reconnect frame, so clients do not return all at once.</summary>
    public TimeSpan ReconnectJitter { get; set; } = TimeSpan.FromSeconds(5);
}
