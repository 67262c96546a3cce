namespace Suite.Edge.Connections;

/// <summary>
/// Who an authenticated connection is, all from the verified token: the user id from <c>sub</c>
/// only, never from a client frame, and the attributes deliveries can be filtered on.
/// </summary>
public sealed record ClientIdentity(
    string UserId,
    DateTimeOffset? TokenExpiresAt,
    IReadOnlySet<string> Tags,
    string? Region,
    string? Platform,
    string ClaimsJson);
