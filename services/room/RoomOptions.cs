using System.ComponentModel.DataAnnotations;

namespace Suite.Room;

/// <summary>Room service settings (section "Rooms").</summary>
public sealed class RoomOptions
{
    public const string Section = "Rooms";

    /// <summary>Join authorisation: every rule whose prefix matches the room id must hold.</summary>
    public List<RoomRule> Rules { get; set; } = [];

    /// <summary>Messages kept per room for resume (a ring of this many keys).</summary>
    [Range(1, 100_000)]
    public int HistorySize { get; set; } = 100;

    /// <summary>Messages one GetHistory returns when the request gives no limit.</summary>
    [Range(1, 10_000)]
    public int DefaultHistoryLimit { get; set; } = 100;

    [Range(1, 10_000)]
    public int MaxHistoryLimit { get; set; } = 1000;

    // Fixed for the life of the data: changing it moves users to other shards, so existing rooms
    // would list members from the wrong keys.
    /// <summary>Member-index shards per room; a join of a new user rewrites one shard (members / shards users).</summary>
    [Range(1, 4096)]
    public int MemberShards { get; set; } = 64;

    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 100;

    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>How long a PublishToRoom idempotency key is remembered.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A publish that claimed an idempotency key and did not finish within this may be taken over by a retry.</summary>
    public TimeSpan IdempotencyClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Read-modify-write attempts on one key before a call fails with ABORTED.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrencyRetries { get; set; } = 200;

    /// <summary>Upper bound of the random pause between two attempts on a contended key.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Rooms and channels a ReleaseConnection leaves at the same time.</summary>
    [Range(1, 256)]
    public int ReleaseParallelism { get; set; } = 8;

    /// <summary>Longest room id, channel, user id or connection id accepted.</summary>
    [Range(1, 4096)]
    public int MaxIdLength { get; set; } = 256;
}
