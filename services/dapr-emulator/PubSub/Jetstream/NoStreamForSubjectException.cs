namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// No JetStream stream covers a subject. pubsub.jetstream never creates streams, so an operator has to add
/// one (<c>nats stream add</c>); the emulator layer may retry the subscribe once it exists.
/// </summary>
public sealed class NoStreamForSubjectException(string subject, string? streamName = null, Exception? innerException = null)
    : Exception(
        streamName is null
            ? $"no JetStream stream covers subject '{subject}'; create one whose subjects include it (the component never creates streams)"
            : $"JetStream stream '{streamName}' (from metadata streamName) does not exist for subject '{subject}'",
        innerException)
{
    public string Subject { get; } = subject;

    public string? StreamName { get; } = streamName;
}
