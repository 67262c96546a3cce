using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Suite.Edge.Tests.Auth;

// A tiny identity provider on Kestrel (127.0.0.1, a port the OS picks): OIDC metadata, a JWKS whose
// keys the test can rotate, and token minting with the matching private keys.
internal sealed class JwksServer : IAsyncDisposable
{
    public const string Audience = "suite-edge";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RSA> _keys = new();
    private readonly ConcurrentDictionary<string, RSA> _published = new();
    private int _jwksRequests;

    private JwksServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public string JwksUrl => BaseUrl + "/jwks";

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<JwksServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new JwksServer(app);

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = server.BaseUrl,
            ["jwks_uri"] = server.JwksUrl,
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref server._jwksRequests);
            return Results.Json(new { keys = server._published.Select(pair => PublicJwk(pair.Key, pair.Value)).ToArray() });
        });

        await app.StartAsync(cancellationToken);
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>Creates a key; published keys appear in the JWKS, others only sign forged tokens.</summary>
    public void AddKey(string kid, bool publish = true)
    {
        var rsa = RSA.Create(2048);
        _keys[kid] = rsa;
        if (publish)
        {
            _published[kid] = rsa;
        }
    }

    public void Unpublish(string kid) => _published.TryRemove(kid, out _);

    public string CreateToken(string kid, string subject, TimeProvider time, string? issuer = null, string audience = Audience)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = new RsaSecurityKey(_keys[kid]) { KeyId = kid };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? BaseUrl,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["region"] = "us-east" },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var rsa in _keys.Values)
        {
            rsa.Dispose();
        }
    }

    private static Dictionary<string, string> PublicJwk(string kid, RSA rsa)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = kid,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus!),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent!),
        };
    }
}
