namespace Suite.Notifications.Client;

/// <summary>
/// One business event for the notification service: who gets it (<see cref="Target"/>), the frame
/// clients see (<see cref="Type"/> and <see cref="Content"/>) and how it is delivered. Rendered to
/// the proto3 JSON the <c>notifications</c> intake accepts, or to a gRPC <c>NotificationEvent</c>.
/// </summary>
public sealed record BusinessEvent
{
    /// <summary>The client-visible frame <c>type</c>, e.g. <c>order_update</c>; not a client protocol v1 type.</summary>
    public required string Type { get; init; }

    /// <summary>
    /// The frame's <c>content</c>: any JSON-serialisable object (System.Text.Json, web defaults unless
    /// <see cref="NotificationPublisherOptions.ContentSerializerOptions"/> says otherwise), a
    /// <see cref="System.Text.Json.JsonElement"/> or a <see cref="System.Text.Json.Nodes.JsonNode"/>, taken as written.
    /// <c>null</c> is the JSON value null.
    /// </summary>
    public required object? Content { get; init; }

    public required NotificationTarget Target { get; init; }

    /// <summary>Optional idempotency id, also the message id clients see; null = one made by the service.</summary>
    public string? Id { get; init; }

    /// <summary>Optional narrowing by connection attributes.</summary>
    public NotificationFilter? Filter { get; init; }

    public NotificationPriority Priority { get; init; } = NotificationPriority.Normal;

    /// <summary>Optional key: a slow connection keeps only the latest undelivered message per key.</summary>
    public string? Droppable { get; init; }

    /// <summary>Optional: not delivered once this long has passed since acceptance (positive, at most 365 days).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Acknowledged notification, kept in each target user's inbox until a device acks it (users target only, not droppable).</summary>
    public bool Ack { get; init; }
}

/// <summary>Exactly one audience of a <see cref="BusinessEvent"/>.</summary>
public abstract record NotificationTarget
{
    private NotificationTarget()
    {
    }

    /// <summary>Every connection of these users, on every edge.</summary>
    public static NotificationTarget ToUsers(params IEnumerable<string> userIds) => new Users([.. userIds]);

    /// <summary>Every connection that joined this room.</summary>
    public static NotificationTarget ToRoom(string room) => new Room(room);

    /// <summary>Every connection subscribed to this channel.</summary>
    public static NotificationTarget ToChannel(string channel) => new Channel(channel);

    /// <summary>Every authenticated connection.</summary>
    public static NotificationTarget ToEveryone { get; } = new Everyone();

    public sealed record Users(IReadOnlyList<string> Ids) : NotificationTarget;

    public sealed record Room(string Name) : NotificationTarget;

    public sealed record Channel(string Name) : NotificationTarget;

    public sealed record Everyone : NotificationTarget;
}

/// <summary>All present criteria must hold; within one, any listed value matches; an empty list is no criterion.</summary>
public sealed record NotificationFilter
{
    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> Regions { get; init; } = [];

    public IReadOnlyList<string> Platforms { get; init; } = [];
}

/// <summary>HIGH goes to the edges' urgent topic.</summary>
public enum NotificationPriority
{
    Normal = 0,
    High = 1,
}
