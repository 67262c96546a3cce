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

    /// <summary>Upper bound of the jittered <c>retryAfterMs</c> in the reconnect frame, so clients do not return all at once.</summary>
    public TimeSpan ReconnectJitter { get; set; } = TimeSpan.FromSeconds(5);
}
