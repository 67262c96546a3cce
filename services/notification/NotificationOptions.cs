using System.ComponentModel.DataAnnotations;
using Suite.ServiceDefaults;

namespace Suite.Notification;

/// <summary>Where presence and room are, call deadlines, idempotency, the inbox and input limits (section "Notification").</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notification";

    [Required]
    [UpstreamAddresses]
    public string PresenceAddress { get; set; } = "http://127.0.0.1:5101";

    /// <summary>One address, or room replicas separated by commas, tried in the order given (<see cref="UpstreamAddressesAttribute"/>).</summary>
    [Required]
    [UpstreamAddresses]
    public string RoomAddress { get; set; } = "http://127.0.0.1:5102";

    /// <summary>Deadline of each presence or room call.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an accepted event id is remembered, so a repeat publishes nothing.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long one delivery of an event id holds it while publishing, so a concurrent repeat waits
    /// (RETRY, UNAVAILABLE) instead of publishing too; longer than a publish takes, as short as a dead
    /// replica's event may wait. Whole seconds: the Redis store's TTL has no finer unit.
    /// </summary>
    public TimeSpan PublishClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Users one event may target; a bigger audience is a room, a channel or everyone.</summary>
    [Range(1, 100_000)]
    public int MaxUsers { get; set; } = 10_000;

    /// <summary>Longest id (event id, user id, room, channel, droppable key, payload type).</summary>
    [Range(1, 4_096)]
    public int MaxIdLength { get; set; } = 256;

    /// <summary>
    /// Largest <c>payload.content</c>, in bytes of compact JSON. Below the brokers' message limit (NATS
    /// max_payload is 1 MB by default) with room for the delivery around it; a larger event is invalid.
    /// </summary>
    [Range(1, 900 * 1024)]
    public int MaxContentBytes { get; set; } = 512 * 1024;

    /// <summary>
    /// Largest whole event, in bytes of protobuf (user ids, filter and content together): a delivery
    /// carries its targets beside the content, and one over the broker's message limit (NATS
    /// max_payload, 1 MB by default) would fail on every retry; a larger event is invalid.
    /// </summary>
    [Range(1024, 900 * 1024)]
    public int MaxEventBytes { get; set; } = 900 * 1024;

    /// <summary>Values per filter criterion (tags, regions, platforms).</summary>
    [Range(1, 10_000)]
    public int MaxFilterValues { get; set; } = 100;

    /// <summary>Pending acknowledged notifications kept per user; beyond it the oldest are dropped.</summary>
    [Range(1, 10_000)]
    public int InboxMaxItems { get; set; } = 100;

    /// <summary>How long an acknowledged notification without its own <c>ttl</c> waits in the inbox.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan InboxItemTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Ids one Ack call may name.</summary>
    [Range(1, 10_000)]
    public int MaxAckIds { get; set; } = 100;

    /// <summary>
    /// Deliveries of one event from the <c>notifications</c> topic that may fail on presence, room or
    /// the broker: the app answers RETRY to the ones before, and on this one gives up itself, putting the
    /// event in <c>deadletter.notifications</c> with its reason (extension attribute
    /// <c>deadletterreason</c>). Match the sidecar's inbound retry policy (attempts = 1 + maxRetries;
    /// components/*/resiliency.yaml: 6), so the app, which knows why, gives up on the sidecar's last
    /// attempt, not the sidecar, which does not.
    /// </summary>
    [Range(1, 1_000)]
    public int DeliveryAttempts { get; set; } = 6;

    /// <summary>Users per presence LookupUsers call (presence accepts at most 1000).</summary>
    [Range(1, 1_000)]
    public int LookupBatchSize { get; set; } = 1_000;
}
