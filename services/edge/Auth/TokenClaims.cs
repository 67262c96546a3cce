using Microsoft.IdentityModel.JsonWebTokens;

namespace Suite.Edge.Auth;

internal readonly record struct TokenClaims(string? Subject, IReadOnlyList<string> Tags, string? Region, string? Platform)
{
    public const string TagsClaim = "tags";
    public const string RegionClaim = "region";
    public const string PlatformClaim = "platform";

    private static readonly char[] TagSeparators = [' ', ','];

    // JsonWebToken flattens a JSON array claim into one Claim per element, so one loop reads both
    // forms of "tags": ["a","b"] and "a b,c".
    public static TokenClaims Read(JsonWebToken jwt)
    {
        string? subject = null, region = null, platform = null;
        List<string>? tags = null;
        foreach (var claim in jwt.Claims)
        {
            switch (claim.Type)
            {
                case JwtRegisteredClaimNames.Sub:
                    subject ??= claim.Value;
                    break;
                case RegionClaim:
                    region ??= NullIfBlank(claim.Value);
                    break;
                case PlatformClaim:
                    platform ??= NullIfBlank(claim.Value);
                    break;
                case TagsClaim:
                    tags ??= [];
                    foreach (var tag in claim.Value.Split(TagSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!tags.Contains(tag, StringComparer.Ordinal))
                        {
                            tags.Add(tag);
                        }
                    }

                    break;
            }
        }

        return new TokenClaims(subject, tags ?? [], region, platform);
    }

    private static string? NullIfBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
