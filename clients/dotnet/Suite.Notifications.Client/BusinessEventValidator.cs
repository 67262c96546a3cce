using System.Text.Json;

namespace Suite.Notifications.Client;

/// <summary>
/// The notification intake's rules (services/notification/Intake/NotificationValidator.cs), checked in
/// the same order so the first problem found is the one the intake would report.
/// </summary>
internal static class BusinessEventValidator
{
    // Client protocol v1 frame types (the intake's ReservedTypes): a notification with one would look
    // to clients like a chat message, an auth answer or a control frame.
    private static readonly HashSet<string> ReservedTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "message", "user:joined", "user:left", "auth:ok", "auth:fail", "pong", "error",
        "reconnect", "joined", "left", "subscribed", "unsubscribed", "direct", "history", "dismissed",
    };

    /// <exception cref="NotificationValidationException">The first rule the event breaks.</exception>
    public static void Validate(BusinessEvent evt, JsonElement content, NotificationLimits limits)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if ((evt.Id ?? "").Length > limits.MaxIdLength)
        {
            throw new NotificationValidationException("invalid_id", "id", $"longer than {limits.MaxIdLength} characters");
        }

        ValidateTarget(evt.Target, limits);
        ValidateFilter(evt.Filter, limits);
        if (evt.Priority is not (NotificationPriority.Normal or NotificationPriority.High))
        {
            throw new NotificationValidationException("invalid_priority", "priority", $"unknown priority {(int)evt.Priority}; NORMAL or HIGH");
        }

        if ((evt.Droppable ?? "").Length > limits.MaxIdLength)
        {
            throw new NotificationValidationException("invalid_droppable", "droppable", $"longer than {limits.MaxIdLength} characters");
        }

        ValidateTtl(evt.Ttl);
        ValidateAck(evt);
        ValidatePayload(evt.Type, content, limits);
    }

    private static void ValidateTarget(NotificationTarget? target, NotificationLimits limits)
    {
        switch (target)
        {
            case null:
                throw new NotificationValidationException("no_target", "", "exactly one target is required: users, room, channel or everyone");
            case NotificationTarget.Users users:
                if (users.Ids.Count == 0)
                {
                    throw new NotificationValidationException("invalid_target", "users.ids", "at least one user id is required");
                }

                if (users.Ids.Count > limits.MaxUsers)
                {
                    throw new NotificationValidationException("invalid_target", "users.ids", $"{users.Ids.Count} users; at most {limits.MaxUsers} per event (use a room, a channel or everyone)");
                }

                if (users.Ids.Any(id => !IsKey(id, limits)))
                {
                    throw new NotificationValidationException("invalid_target", "users.ids", $"user ids must be 1 to {limits.MaxIdLength} characters without \"||\"");
                }

                return;
            case NotificationTarget.Room room when !IsKey(room.Name, limits):
                throw new NotificationValidationException("invalid_target", "room", $"must be 1 to {limits.MaxIdLength} characters without \"||\"");
            case NotificationTarget.Channel channel when !IsKey(channel.Name, limits):
                throw new NotificationValidationException("invalid_target", "channel", $"must be 1 to {limits.MaxIdLength} characters without \"||\"");
        }
    }

    private static void ValidateFilter(NotificationFilter? filter, NotificationLimits limits)
    {
        if (filter is null)
        {
            return;
        }

        foreach (var (name, values) in new[] { ("filter.tags", filter.Tags), ("filter.regions", filter.Regions), ("filter.platforms", filter.Platforms) })
        {
            if (values.Count > limits.MaxFilterValues)
            {
                throw new NotificationValidationException("invalid_filter", name, $"at most {limits.MaxFilterValues} values");
            }

            if (values.Any(v => !IsId(v, limits)))
            {
                throw new NotificationValidationException("invalid_filter", name, $"values must be 1 to {limits.MaxIdLength} characters");
            }
        }
    }

    private static void ValidateTtl(TimeSpan? ttl)
    {
        if (ttl is not { } value)
        {
            return;
        }

        if (value <= TimeSpan.Zero)
        {
            throw new NotificationValidationException("invalid_ttl", "ttl", "must be positive");
        }

        // The service compares whole seconds.
        if (Math.Floor(value.TotalSeconds) > NotificationLimits.MaxTtl.TotalSeconds)
        {
            throw new NotificationValidationException("invalid_ttl", "ttl", "at most 365 days");
        }
    }

    // The inbox is per user; a droppable message is superseded by the next one with its key, while an
    // inbox keeps every item until acked.
    private static void ValidateAck(BusinessEvent evt)
    {
        if (!evt.Ack)
        {
            return;
        }

        if (evt.Target is not NotificationTarget.Users)
        {
            throw new NotificationValidationException("invalid_ack", "ack", "acknowledged notifications are kept in per-user inboxes; use a users target");
        }

        if (!string.IsNullOrEmpty(evt.Droppable))
        {
            throw new NotificationValidationException("invalid_ack", "ack", "an acknowledged notification cannot be droppable");
        }
    }

    private static void ValidatePayload(string? type, JsonElement content, NotificationLimits limits)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new NotificationValidationException("missing_type", "payload.type", "is required");
        }

        if (ReservedTypes.Contains(type))
        {
            throw new NotificationValidationException("reserved_type", "payload.type", $"\"{type}\" is a client protocol v1 frame type");
        }

        if (type.Length > limits.MaxIdLength)
        {
            throw new NotificationValidationException("invalid_type", "payload.type", $"longer than {limits.MaxIdLength} characters");
        }

        // Every delivery carries the content whole, and a broker refuses a message over its limit.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content).Length;
        if (bytes > limits.MaxContentBytes)
        {
            throw new NotificationValidationException("content_too_large", "payload.content", $"{bytes} bytes as JSON; at most {limits.MaxContentBytes}");
        }
    }

    // What presence and room accept as a user, room or channel id: "||" is Dapr's state key separator.
    private static bool IsKey(string? value, NotificationLimits limits) => IsId(value, limits) && !value!.Contains("||", StringComparison.Ordinal);

    private static bool IsId(string? value, NotificationLimits limits) => !string.IsNullOrWhiteSpace(value) && value.Length <= limits.MaxIdLength;
}
