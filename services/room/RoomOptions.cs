using System.ComponentModel.DataAnnotations;

namespace Suite.Room;

/// <summary>Room service settings (section "Rooms").</summary>
public sealed class RoomOptions
{
    public const string Section = "Rooms";

    /// <summary>Join authorisation: every rule whose prefix matches the room id must hold.</summary>
    public List<RoomRule> Rules { get; set; } = [];

    /// <summary>Refuse joins to a room no rule of <see cref="Rules"/> matches (deny by default); off: such rooms are open.</summary>
    public bool DenyUnmatchedRooms { get; set; }

    /// <summary>Subscribe authorisation: every rule whose prefix matches the channel must hold.</summary>
    public List<RoomRule> ChannelRules { get; set; } = [];

    /// <summary>Refuse subscribes to a channel no rule of <see cref="ChannelRules"/> matches; off: such channels are open.</summary>
    public bool DenyUnmatchedChannels { get; set; }

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

    /// <summary>
    /// Kept so existing configuration still binds; no longer used: a room's owner decides repeats in
    /// memory, so no publish holds a claim that could be left behind.
    /// </summary>
    public TimeSpan IdempotencyClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idempotency keys one room remembers in memory; older keys within the window are looked up in the store.</summary>
    [Range(16, 10_000_000)]
    public int MaxRememberedKeys { get; set; } = 65_536;

    /// <summary>
    /// How long a replica's claim on the rooms it owns lasts without renewal (renewed every third of
    /// it). Another replica takes over a room whose owner's lease is gone, so this is the longest a
    /// room waits after its owner dies.
    /// </summary>
    public TimeSpan OwnerLeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A room nobody used for this long is unloaded from memory (it stays owned, and loads again on its next call).</summary>
    public TimeSpan IdleRoomUnload { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The gRPC address other replicas forward this replica's rooms to; empty = the Grpc endpoint's port on POD_IP or this host's name.</summary>
    public string AdvertisedAddress { get; set; } = "";

    /// <summary>Read-modify-write attempts on one key before a call fails with ABORTED.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrencyRetries { get; set; } = 200;

    /// <summary>Upper bound of the random pause between two attempts on a contended key.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Rooms and channels a ReleaseConnection leaves at the same time.</summary>
    [Range(1, 256)]
    public int ReleaseParallelism { get; set; } = 8;

    /// <summary>RoomLifecycleEvent events on room.lifecycle, one per connection that joins or leaves a room.</summary>
    public bool LifecycleEvents { get; set; } = true;

    /// <summary>Longest room id, channel, user id or connection id accepted.</summary>
    [Range(1, 4096)]
    public int MaxIdLength { get; set; } = 256;
}
