using System.Diagnostics.CodeAnalysis;

namespace Suite.Edge.Auth;

/// <summary>The result of validating one token: a user and connection attributes, or a reason.</summary>
public sealed class TokenValidationOutcome
{
    private TokenValidationOutcome()
    {
    }

    [MemberNotNullWhen(true, nameof(UserId), nameof(ClaimsJson))]
    [MemberNotNullWhen(false, nameof(FailureReason))]
    public bool IsValid => FailureReason is null;

    /// <summary>The <c>sub</c> claim; no other claim is ever used as the user id.</summary>
    public string? UserId { get; private init; }

    /// <summary>The <c>exp</c> claim. Validation requires one, so a valid outcome always has it.</summary>
    public DateTimeOffset? ExpiresAt { get; private init; }

    /// <summary>From the <c>tags</c> claim, a JSON array or a space/comma separated string.</summary>
    public IReadOnlyList<string> Tags { get; private init; } = [];

    public string? Region { get; private init; }

    public string? Platform { get; private init; }

    /// <summary>
    /// The token's payload, a JSON object in UTF-8 as the token carries it, for the room service's join
    /// authorisation hook. Bytes rather than a string: every connection holds it for its life, and
    /// each join reads it as UTF-8 (half the memory of the UTF-16 string, no conversion per join).
    /// </summary>
    public byte[]? ClaimsJson { get; private init; }

    /// <summary>One of <see cref="TokenFailureReasons"/>, safe to send to the client.</summary>
    public string? FailureReason { get; private init; }

    public static TokenValidationOutcome Valid(
        string userId,
        DateTimeOffset? expiresAt,
        IReadOnlyList<string> tags,
        string? region,
        string? platform,
        byte[] claimsJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(claimsJson);
        return new TokenValidationOutcome
        {
            UserId = userId,
            ExpiresAt = expiresAt,
            Tags = tags,
            Region = region,
            Platform = platform,
            ClaimsJson = claimsJson,
        };
    }

    public static TokenValidationOutcome Invalid(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new TokenValidationOutcome { FailureReason = reason };
    }
}
