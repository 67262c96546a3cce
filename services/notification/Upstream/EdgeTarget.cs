namespace Suite.Notification.Upstream;

/// <summary>One edge to deliver to; <paramref name="Users"/> are the targeted users on it (users target only).</summary>
public sealed record EdgeTarget(string EdgeId, IReadOnlyList<string>? Users);
