namespace Suite.Notification.Upstream;

/// <summary>Presence, room or the broker failed; the event may succeed when tried again.</summary>
public sealed class UpstreamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
