namespace Suite.Edge.Auth;

/// <summary>
/// Why a token was refused, short and safe to send to the client in <c>auth:fail</c>: they name the
/// rule the token broke and never echo the token or the claims.
/// </summary>
public static class TokenFailureReasons
{
    public const string Missing = "missing token";
    public const string Malformed = "malformed token";
    public const string Expired = "token expired";
    public const string NotYetValid = "token not yet valid";
    public const string NoExpiry = "token has no expiry";
    public const string BadSignature = "bad signature";
    public const string Unsigned = "unsigned token";
    public const string UnknownKey = "unknown signing key";
    public const string AlgorithmNotAllowed = "algorithm not allowed";
    public const string WrongAudience = "wrong audience";
    public const string WrongIssuer = "wrong issuer";
    public const string MissingSub = "missing sub";
    public const string InvalidSub = "invalid sub";
    public const string KeysUnavailable = "signing keys unavailable";
    public const string Invalid = "invalid token";
}
