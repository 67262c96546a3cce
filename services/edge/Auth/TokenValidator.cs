using System.Buffers.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Suite.Edge.Auth;

/// <summary>Validates client JWTs against the configured HS256 key or the authority's published keys.</summary>
public sealed class TokenValidator
{
    // HS256 only in development mode; in key-set mode only asymmetric algorithms, so a token cannot
    // pick an algorithm the authority never signs with.
    private static readonly string[] DevAlgorithms = [SecurityAlgorithms.HmacSha256];

    private static readonly string[] KeySetAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    /// <summary>
    /// The longest <c>sub</c> accepted: presence and room refuse user ids over 256 characters or with
    /// "||" (Dapr's state key separator), so such a user would get auth:ok and then fail every call.
    /// </summary>
    public const int MaxSubjectLength = 256;

    private const string BlockingRefreshSwitch = "Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _keySet;
    private readonly ILogger<TokenValidator> _logger;

    public TokenValidator(IOptions<AuthOptions> options, TimeProvider timeProvider, IHttpClientFactory httpClientFactory, ILogger<TokenValidator> logger)
    {
        var settings = options.Value;
        _logger = logger;
        _parameters = new TokenValidationParameters
        {
            LifetimeValidator = LifetimeCheck.Using(timeProvider),
            ClockSkew = settings.ClockSkew,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateAudience = !string.IsNullOrWhiteSpace(settings.Audience),
            ValidAudience = settings.Audience,
            ValidIssuer = settings.Issuer,
        };

        if (!settings.UsesKeySet)
        {
            _parameters.ValidAlgorithms = DevAlgorithms;
            _parameters.IssuerSigningKey = DevTokens.CreateKey(settings.SigningKey!);
            _parameters.ValidateIssuer = !string.IsNullOrWhiteSpace(settings.Issuer);
            AuthLog.Mode(_logger, "HS256", "Auth:SigningKey");
            return;
        }

        var documents = new FactoryDocumentRetriever(httpClientFactory, settings.RequireHttpsMetadata);
        var jwksOnly = !string.IsNullOrWhiteSpace(settings.JwksUri);
        var address = jwksOnly
            ? settings.JwksUri!
            : settings.Authority!.TrimEnd('/') + "/.well-known/openid-configuration";
        IConfigurationRetriever<OpenIdConnectConfiguration> retriever = jwksOnly
            ? new JwksRetriever()
            : new OpenIdConnectConfigurationRetriever();

        // Keys are cached; a token with an unknown kid makes the handler refresh them (at most once
        // per MetadataRefreshInterval) and retry, which is how key rotation reaches the edge. Since
        // 8.0.2 that refresh runs in the background unless UpdateConfigAsBlocking is on, and then the
        // tokens that reveal a new kid fail although the refresh they cause brings their key. The
        // library caches the switch on first use, so it is set in runtimeconfig.template.json.
        if (!AppContext.TryGetSwitch(BlockingRefreshSwitch, out var blocking) || !blocking)
        {
            AuthLog.BackgroundKeyRefresh(_logger, BlockingRefreshSwitch);
        }

        _keySet = new ConfigurationManager<OpenIdConnectConfiguration>(address, retriever, documents)
        {
            RefreshInterval = settings.MetadataRefreshInterval,
        };
        _parameters.ConfigurationManager = _keySet;
        _parameters.ValidAlgorithms = KeySetAlgorithms;

        // A JWKS document names no issuer, so only a configured one can be checked; OIDC metadata does.
        _parameters.ValidateIssuer = !string.IsNullOrWhiteSpace(settings.Issuer) || !jwksOnly;
        AuthLog.Mode(_logger, jwksOnly ? "JWKS" : "OIDC", address);
    }

    public async ValueTask<TokenValidationOutcome> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return Reject(TokenFailureReasons.Missing, null);
        }

        if (Read(token) is not { } jwt)
        {
            return Reject(TokenFailureReasons.Malformed, null);
        }

        // Checked up front so the client learns the real problem rather than "bad signature".
        if (string.IsNullOrEmpty(jwt.EncodedSignature) || string.Equals(jwt.Alg, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Reject(TokenFailureReasons.Unsigned, null);
        }

        if (!_parameters.ValidAlgorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            return Reject(TokenFailureReasons.AlgorithmNotAllowed, null);
        }

        if (_keySet is not null)
        {
            try
            {
                await _keySet.GetConfigurationAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AuthLog.KeysUnavailable(_logger, _keySet.MetadataAddress, ex);
                return Reject(TokenFailureReasons.KeysUnavailable, ex);
            }
        }

        // The handler writes refresh state into the parameters it is given, so each call gets a copy.
        var result = await _handler.ValidateTokenAsync(jwt, _parameters.Clone());
        if (!result.IsValid)
        {
            return Reject(ReasonFor(result.Exception, jwt, _keySet is not null), result.Exception);
        }

        var claims = TokenClaims.Read(jwt);
        if (string.IsNullOrWhiteSpace(claims.Subject))
        {
            return Reject(TokenFailureReasons.MissingSub, null);
        }

        if (claims.Subject.Length > MaxSubjectLength || claims.Subject.Contains("||", StringComparison.Ordinal))
        {
            return Reject(TokenFailureReasons.InvalidSub, null);
        }

        DateTimeOffset? expiresAt = jwt.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        return TokenValidationOutcome.Valid(
            claims.Subject,
            expiresAt,
            claims.Tags,
            claims.Region,
            claims.Platform,
            Base64Url.DecodeFromChars(jwt.EncodedPayload));
    }

    private TokenValidationOutcome Reject(string reason, Exception? exception)
    {
        AuthLog.TokenRejected(_logger, reason, exception?.GetType().Name);
        return TokenValidationOutcome.Invalid(reason);
    }

    // The library also reports "key not found" when a token without a kid fails every key, and with
    // one HS256 key any mismatch is that; only a kid the authority does not publish is an unknown key.
    private static string ReasonFor(Exception? exception, JsonWebToken jwt, bool keySet) => exception switch
    {
        SecurityTokenExpiredException => TokenFailureReasons.Expired,
        SecurityTokenNotYetValidException => TokenFailureReasons.NotYetValid,
        SecurityTokenNoExpirationException => TokenFailureReasons.NoExpiry,
        SecurityTokenInvalidAlgorithmException => TokenFailureReasons.AlgorithmNotAllowed,
        SecurityTokenSignatureKeyNotFoundException when keySet && !string.IsNullOrEmpty(jwt.Kid) => TokenFailureReasons.UnknownKey,
        SecurityTokenInvalidSignatureException => TokenFailureReasons.BadSignature,
        SecurityTokenInvalidAudienceException => TokenFailureReasons.WrongAudience,
        SecurityTokenInvalidIssuerException => TokenFailureReasons.WrongIssuer,
        SecurityTokenMalformedException or ArgumentException => TokenFailureReasons.Malformed,
        _ => TokenFailureReasons.Invalid,
    };

    private static JsonWebToken? Read(string token)
    {
        // The handler's own limit, which its string overload would have applied.
        if (token.Length > TokenValidationParameters.DefaultMaximumTokenSizeInBytes)
        {
            return null;
        }

        try
        {
            return new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
