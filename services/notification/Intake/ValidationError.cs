namespace Suite.Notification.Intake;

/// <summary>Why an event cannot be used.</summary>
/// <param name="Code">Low-cardinality reason, used as a metric tag and at the start of a dead-letter reason.</param>
/// <param name="Field">The JSON field at fault (proto3 JSON name), empty when the document itself is unusable.</param>
/// <param name="Message">What is wrong, for the publisher.</param>
public sealed record ValidationError(string Code, string Field, string Message)
{
    /// <summary>The text of a DeadLetter reason or an INVALID_ARGUMENT detail.</summary>
    public string Describe() => Field.Length == 0 ? $"{Code}: {Message}" : $"{Code}: {Field}: {Message}";
}
