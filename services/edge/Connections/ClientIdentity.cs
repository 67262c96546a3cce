namespace Suite.Edge.Connections;

/// <summary>
/// Who an authenticated connection is, all from the verified token: the user id from <c>sub</c>
/// only, never from a client frame, and the attributes deliveries can be filtered on.
/// </summary>
/// <param name="ClaimsJson">The token's payload, UTF-8 JSON (<see cref="Auth.TokenValidationOutcome.ClaimsJson"/>); not to be changed.</param>
public sealed record ClientIdentity(
    string UserId,
    DateTimeOffset? TokenExpiresAt,
    IReadOnlySet<string> Tags,
    string? Region,
    string? Platform,
    byte[] ClaimsJson);
