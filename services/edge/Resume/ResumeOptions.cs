using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Resume;

/// <summary>Bounds of what a resuming join replays and a <c>history</c> frame returns (section "Resume").</summary>
public sealed class ResumeOptions
{
    public const string Section = "Resume";

    /// <summary>
    /// Most missed messages one resuming join replays; more missed = <c>recovered:false</c>. The room's
    /// default history size, so anything the room still holds is replayed.
    /// </summary>
    [Range(0, 10_000)]
    public int MaxReplay { get; set; } = 100;

    /// <summary>
    /// Most bytes of message frames one replay, or one <c>history</c> frame, may queue for a client.
    /// Below the send queue's hard limit (1 MiB), so a replay never closes its own connection as a
    /// slow consumer: a larger replay is refused (<c>recovered:false</c>), a larger history is cut
    /// at its oldest messages (the client pages back with <c>before</c>).
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReplayBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Whether a live room seq that jumps past the next one makes the edge read the missing ones
    /// from history (Resume/RoomGapFill). On by default since 2026-12-06, after the chaos tests
    /// (replica kill and pause, lease outage, broker restart, edge kill) passed with it repeatedly;
    /// holes after a lapsed lease are filled either way.
    /// </summary>
    public bool FillLiveGaps { get; set; } = true;

    /// <summary>Most messages one <c>history</c> frame returns; also its count when the client gives no <c>limit</c>.</summary>
    [Range(1, 1000)]
    public int MaxHistoryLimit { get; set; } = 100;
}
