namespace Suite.Edge.Auth;

// Two modes, exactly one configured (AuthOptionsValidator): an HS256 SigningKey for development and
// load tests (the peers' tokens), or an OIDC Authority / JwksUri for production.
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    public const int MinSigningKeyBytes = 32;

    /// <summary>HS256 key, used as its UTF-8 bytes (what Node's jsonwebtoken does with a string secret).</summary>
    public string? SigningKey { get; set; }

    /// <summary>OIDC authority; keys come from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>A JWKS document to take keys from when the issuer publishes no OIDC metadata.</summary>
    public string? JwksUri { get; set; }

    /// <summary>Validated when set; required with Authority or JwksUri.</summary>
    public string? Audience { get; set; }

    /// <summary>Validated when set. Without it, Authority mode checks the issuer named in the metadata.</summary>
    public string? Issuer { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a connection may stay without a valid token.</summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long before the token's expiry the edge reminds the client to send a fresh <c>auth</c>.
    /// There is no grace after expiry: without a fresh token the session ends at
    /// <see cref="SessionEndsAt"/>, since an expired credential must not keep a socket open.
    /// </summary>
    public TimeSpan TokenRefreshGrace { get; set; } = TimeSpan.FromSeconds(60);

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// Least time between two key refreshes caused by a token with an unknown <c>kid</c>, so a flood
    /// of forged kids cannot hammer the authority. Keys are also refreshed every 12 hours.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    internal bool UsesKeySet => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(JwksUri);

    /// <summary>When the edge asks the client for a fresh token.</summary>
    public DateTimeOffset RefreshDueAt(DateTimeOffset expiresAt) => expiresAt - TokenRefreshGrace;

    /// <summary>
    /// When a session whose token expires at <paramref name="expiresAt"/> is closed with
    /// <c>CloseCodes.TokenExpired</c> unless a fresh <c>auth</c> came. It matches the validator, which
    /// accepts a token up to ClockSkew past its expiry.
    /// </summary>
    public DateTimeOffset SessionEndsAt(DateTimeOffset expiresAt) => expiresAt + ClockSkew;
}
