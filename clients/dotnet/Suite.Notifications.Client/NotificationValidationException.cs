namespace Suite.Notifications.Client;

/// <summary>
/// A <see cref="BusinessEvent"/> the notification intake would refuse (dead-letter on the topic,
/// INVALID_ARGUMENT over gRPC), found before publishing. <see cref="Code"/> and <see cref="Field"/>
/// are the intake's own, as a dead letter's reason would name them.
/// </summary>
public sealed class NotificationValidationException : ArgumentException
{
    public NotificationValidationException(string code, string field, string problem)
        : base(field.Length == 0 ? $"{code}: {problem}" : $"{code}: {field}: {problem}")
    {
        (Code, Field, Problem) = (code, field, problem);
    }

    /// <summary>The intake's reason code, e.g. <c>invalid_ack</c>, <c>reserved_type</c>.</summary>
    public string Code { get; }

    /// <summary>The JSON field at fault (proto3 JSON name), empty for the event as a whole.</summary>
    public string Field { get; }

    public string Problem { get; }
}
