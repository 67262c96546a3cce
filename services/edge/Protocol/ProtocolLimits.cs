using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Protocol;

// Ids end up as state-store keys, topic fan-out keys and log fields, so they stay short. Content is
// capped on its own, below the frame-size limit, so one message cannot take a whole frame's budget
// and every room/history store downstream can rely on the same bound.
public sealed class ProtocolLimits
{
    /// <summary>A room epoch in a resuming join's <c>since</c>: rooms make short opaque ones (12 characters today).</summary>
    public const int MaxEpochLength = 64;

    public static ProtocolLimits Default { get; } = new();

    /// <summary>Room ids, channels, user ids and the client's correlation <c>id</c>, in UTF-16 characters.</summary>
    [Range(1, 1024)]
    public int MaxIdLength { get; init; } = 128;

    /// <summary>The raw JSON text of <c>content</c>, in UTF-8 bytes.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxContentBytes { get; init; } = 64 * 1024;

    /// <summary>Ids in one <c>ack</c> frame; keep at or below notification's Notification:MaxAckIds.</summary>
    [Range(1, 10_000)]
    public int MaxAckIds { get; init; } = 100;

    /// <summary>One id in an <c>ack</c> frame, in characters: a notification id, up to notification's Notification:MaxIdLength.</summary>
    [Range(1, 4096)]
    public int MaxAckIdLength { get; init; } = 256;

    /// <summary>The <c>auth</c> token, in characters; JWTs with many claims reach a few kilobytes.</summary>
    [Range(1, 64 * 1024)]
    public int MaxTokenLength { get; init; } = 8 * 1024;
}
