using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Notification.V1;

namespace Suite.Notification.Intake;

/// <summary>
/// The rules both entry points share. Strict on purpose: a misspelt or ambiguous event must not
/// silently widen or narrow its audience, so anything doubtful is refused with the field named.
/// </summary>
public sealed class NotificationValidator(IOptions<NotificationOptions> options)
{
    public ValidationError? Validate(NotificationEvent evt)
    {
        var limits = options.Value;
        if (evt.Id.Length > limits.MaxIdLength)
        {
            return new("invalid_id", "id", $"longer than {limits.MaxIdLength} characters");
        }

        return ValidateTarget(evt, limits)
            ?? ValidateFilter(evt.Filter, limits)
            ?? ValidatePriority(evt.Priority)
            ?? ValidateDroppable(evt.Droppable, limits)
            ?? ValidateTtl(evt.Ttl)
            ?? ValidateAck(evt)
            ?? ValidatePayload(evt.Payload, limits);
    }

    private static ValidationError? ValidateTarget(NotificationEvent evt, NotificationOptions limits)
    {
        switch (evt.TargetCase)
        {
            case NotificationEvent.TargetOneofCase.None:
                return new("no_target", "", "exactly one target is required: users, room, channel or everyone");
            case NotificationEvent.TargetOneofCase.Users:
                var ids = evt.Users.Ids;
                if (ids.Count == 0)
                {
                    return new("invalid_target", "users.ids", "at least one user id is required");
                }

                if (ids.Count > limits.MaxUsers)
                {
                    return new("invalid_target", "users.ids", $"{ids.Count} users; at most {limits.MaxUsers} per event (use a room, a channel or everyone)");
                }

                foreach (var id in ids)
                {
                    if (!IsKey(id, limits))
                    {
                        return new("invalid_target", "users.ids", $"user ids must be 1 to {limits.MaxIdLength} characters without \"||\"");
                    }
                }

                return null;
            case NotificationEvent.TargetOneofCase.Room:
                return IsKey(evt.Room, limits) ? null : new("invalid_target", "room", $"must be 1 to {limits.MaxIdLength} characters without \"||\"");
            case NotificationEvent.TargetOneofCase.Channel:
                return IsKey(evt.Channel, limits) ? null : new("invalid_target", "channel", $"must be 1 to {limits.MaxIdLength} characters without \"||\"");
            case NotificationEvent.TargetOneofCase.Everyone:
                return evt.Everyone ? null : new("invalid_target", "everyone", "must be true when set");
            default:
                return new("invalid_target", "", $"unknown target {evt.TargetCase}");
        }
    }

    private static ValidationError? ValidateFilter(Filter? filter, NotificationOptions limits)
    {
        if (filter is null)
        {
            return null;
        }

        foreach (var (name, values) in new[] { ("filter.tags", filter.Tags), ("filter.regions", filter.Regions), ("filter.platforms", filter.Platforms) })
        {
            if (values.Count > limits.MaxFilterValues)
            {
                return new("invalid_filter", name, $"at most {limits.MaxFilterValues} values");
            }

            if (values.Any(v => !IsId(v, limits)))
            {
                return new("invalid_filter", name, $"values must be 1 to {limits.MaxIdLength} characters");
            }
        }

        return null;
    }

    private static ValidationError? ValidatePriority(Priority priority) =>
        priority is Priority.Normal or Priority.High ? null : new("invalid_priority", "priority", $"unknown priority {(int)priority}; NORMAL or HIGH");

    private static ValidationError? ValidateDroppable(string droppable, NotificationOptions limits) =>
        droppable.Length <= limits.MaxIdLength ? null : new("invalid_droppable", "droppable", $"longer than {limits.MaxIdLength} characters");

    // The inbox is per user: a room, a channel or everyone has no one to keep the item for. A droppable
    // message is superseded by the next one with its key, while an inbox keeps every item until acked.
    private static ValidationError? ValidateAck(NotificationEvent evt) =>
        !evt.Ack ? null
        : evt.TargetCase != NotificationEvent.TargetOneofCase.Users
            ? new("invalid_ack", "ack", "acknowledged notifications are kept in per-user inboxes; use a users target")
        : evt.Droppable.Length > 0 ? new("invalid_ack", "ack", "an acknowledged notification cannot be droppable")
        : null;

    private static ValidationError? ValidateTtl(Duration? ttl)
    {
        if (ttl is null)
        {
            return null;
        }

        if (ttl.Seconds < 0 || ttl.Nanos < 0 || (ttl.Seconds == 0 && ttl.Nanos == 0))
        {
            return new("invalid_ttl", "ttl", "must be positive");
        }

        // Far beyond any sensible notification; also keeps now + ttl inside Timestamp's range.
        return ttl.Seconds > TimeSpan.FromDays(365).TotalSeconds ? new("invalid_ttl", "ttl", "at most 365 days") : null;
    }

    private static ValidationError? ValidatePayload(Payload? payload, NotificationOptions limits)
    {
        if (payload is null)
        {
            return new("missing_payload", "payload", "is required");
        }

        if (string.IsNullOrWhiteSpace(payload.Type))
        {
            return new("missing_type", "payload.type", "is required");
        }

        if (ReservedTypes.Contains(payload.Type))
        {
            return new("reserved_type", "payload.type", $"\"{payload.Type}\" is a client protocol v1 frame type");
        }

        if (payload.Type.Length > limits.MaxIdLength)
        {
            return new("invalid_type", "payload.type", $"longer than {limits.MaxIdLength} characters");
        }

        return payload.Content is null || payload.Content.KindCase == Value.KindOneofCase.None
            ? new("missing_content", "payload.content", "is required (any JSON value)")
            : null;
    }

    /// <summary>
    /// The size rule the edges and brokers need for <c>payload.content</c> as compact JSON text (what
    /// is published): every delivery carries it whole, and a broker refuses a message over its limit
    /// (NATS max_payload, 1 MB by default), which would fail the event on every retry.
    /// </summary>
    public ValidationError? ValidateContent(string contentJson)
    {
        var max = options.Value.MaxContentBytes;
        // Counting bytes costs a pass over the text; a string of at most max / 3 chars cannot exceed it.
        if (contentJson.Length <= max / 3)
        {
            return null;
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(contentJson);
        return bytes <= max ? null : new("content_too_large", "payload.content", $"{bytes} bytes as JSON; at most {max}");
    }

    /// <summary>
    /// The size rule for the whole event (checked after the content's own, whose message is the more
    /// useful one when the content alone is too big): many long user ids can outgrow the broker's
    /// limit with a small content.
    /// </summary>
    public ValidationError? ValidateEventSize(NotificationEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var max = options.Value.MaxEventBytes;
        var size = evt.CalculateSize();
        return size <= max ? null
            : new("event_too_large", "", $"{size} bytes as protobuf; at most {max} (fewer users per event, or a room, a channel or everyone)");
    }

    // What presence and room accept as a user, room or channel id: they also refuse "||", Dapr's
    // state key separator, so an event naming one would fail upstream on every retry.
    private static bool IsKey(string value, NotificationOptions limits) => IsId(value, limits) && !value.Contains("||", StringComparison.Ordinal);

    private static bool IsId(string value, NotificationOptions limits) => value.Length > 0 && value.Length <= limits.MaxIdLength && !string.IsNullOrWhiteSpace(value);
}
