using System.Text;
using Microsoft.Extensions.Options;

namespace Suite.Edge.Auth;

/// <param name="development">
/// Whether the host runs in Development, where an HS256 key alone is enough (dev tokens, tests).
/// Elsewhere an HS256 key must come with Auth:Audience and Auth:Issuer.
/// </param>
internal sealed class AuthOptionsValidator(bool development = true) : IValidateOptions<AuthOptions>
{
    // The durations' bounds. Checked here rather than with [Range(typeof(TimeSpan), …)]: that
    // attribute sets up its conversion lazily and not thread-safely (dotnet/runtime#1143), so two
    // hosts validating at once in one process (the embedded suite, parallel tests) could throw.
    private static readonly (string Key, Func<AuthOptions, TimeSpan> Value, TimeSpan Min, TimeSpan Max)[] Durations =
    [
        ("Auth:ClockSkew", o => o.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        ("Auth:AuthTimeout", o => o.AuthTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        ("Auth:TokenRefreshGrace", o => o.TokenRefreshGrace, TimeSpan.Zero, TimeSpan.FromHours(1)),
        ("Auth:MetadataRefreshInterval", o => o.MetadataRefreshInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
    ];

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var outOfRange = Durations
            .Where(d => d.Value(options) < d.Min || d.Value(options) > d.Max)
            .Select(d => $"{d.Key} is {d.Value(options)}; it must be between {d.Min} and {d.Max}.")
            .ToList();
        if (outOfRange.Count > 0)
        {
            return ValidateOptionsResult.Fail(outOfRange);
        }

        var hasKey = !string.IsNullOrEmpty(options.SigningKey);
        var hasAuthority = !string.IsNullOrWhiteSpace(options.Authority);
        var hasJwks = !string.IsNullOrWhiteSpace(options.JwksUri);

        if (!hasKey && !hasAuthority && !hasJwks)
        {
            return ValidateOptionsResult.Fail(
                "Auth: configure either Auth:SigningKey (HS256, development) or Auth:Authority / Auth:JwksUri (production); none is set.");
        }

        if (hasKey && (hasAuthority || hasJwks))
        {
            return ValidateOptionsResult.Fail(
                "Auth: Auth:SigningKey and Auth:Authority / Auth:JwksUri are both set; configure exactly one way to get signing keys.");
        }

        if (hasKey)
        {
            return ValidateSigningKey(options);
        }

        var failures = new List<string>();
        if (hasAuthority && hasJwks)
        {
            failures.Add("Auth: set Auth:Authority (OIDC metadata) or Auth:JwksUri (keys only), not both.");
        }

        CheckUri(options.Authority, "Auth:Authority", options.RequireHttpsMetadata, failures);
        CheckUri(options.JwksUri, "Auth:JwksUri", options.RequireHttpsMetadata, failures);

        // Without an audience, a token the authority issued for any other API would open a socket here.
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth:Audience is required with Auth:Authority / Auth:JwksUri.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private ValidateOptionsResult ValidateSigningKey(AuthOptions options)
    {
        var failures = new List<string>();
        var bytes = Encoding.UTF8.GetByteCount(options.SigningKey!);
        if (bytes < AuthOptions.MinSigningKeyBytes)
        {
            failures.Add($"Auth:SigningKey is {bytes} bytes; HS256 needs at least {AuthOptions.MinSigningKeyBytes} bytes (UTF-8).");
        }

        // A shared secret is often shared with more than this edge (the peers, a token service for
        // other APIs): outside Development only tokens minted for this edge, by the expected
        // issuer, may open a socket.
        if (!development && (string.IsNullOrWhiteSpace(options.Audience) || string.IsNullOrWhiteSpace(options.Issuer)))
        {
            failures.Add("Auth:SigningKey (HS256) outside Development needs Auth:Audience and Auth:Issuer, so tokens the key signed for other audiences or issuers are refused; set both, or use Auth:Authority / Auth:JwksUri.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUri(string? value, string key, bool requireHttps, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{key} must be an absolute http(s) URI.");
        }
        else if (requireHttps && uri.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add($"{key} must use https while Auth:RequireHttpsMetadata is true.");
        }
    }
}
