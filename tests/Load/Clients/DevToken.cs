using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Suite.Load.Clients;

/// <summary>
/// HS256 JWTs with <c>sub</c> = user id, what the edge's development mode and both peers accept.
/// Minted here rather than with the edge's DevTokens so the generator does not load a web project.
/// They carry <see cref="Audience"/> and <see cref="Issuer"/>, which an edge outside Development
/// requires with an HS256 key (the peers and a Development edge ignore them).
/// </summary>
internal static class DevToken
{
    public const string Audience = "suite-edge";

    public const string Issuer = "suite-load";

    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    public static string Create(string signingKey, string userId, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId,
            ["aud"] = Audience,
            ["iss"] = Issuer,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        });
        var unsigned = Header + "." + Base64Url.EncodeToString(payload);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(unsigned));
        return unsigned + "." + Base64Url.EncodeToString(signature);
    }
}
