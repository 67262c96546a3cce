using System.Text;
using Microsoft.Extensions.Options;

namespace Suite.Edge.Auth;

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
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
            var bytes = Encoding.UTF8.GetByteCount(options.SigningKey!);
            return bytes < AuthOptions.MinSigningKeyBytes
                ? ValidateOptionsResult.Fail(
                    $"Auth:SigningKey is {bytes} bytes; HS256 needs at least {AuthOptions.MinSigningKeyBytes} bytes (UTF-8).")
                : ValidateOptionsResult.Success;
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
