using Microsoft.Extensions.Logging;

namespace Suite.Edge.Auth;

internal static partial class AuthLog
{
    [LoggerMessage(1, LogLevel.Debug, "Token rejected: {Reason} ({ExceptionType})")]
    public static partial void TokenRejected(ILogger logger, string reason, string? exceptionType);

    [LoggerMessage(2, LogLevel.Warning, "Signing keys could not be loaded from {MetadataAddress}")]
    public static partial void KeysUnavailable(ILogger logger, string metadataAddress, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "{Switch} is off: after a key rotation, tokens with the new kid fail until a background key refresh completes")]
    public static partial void BackgroundKeyRefresh(ILogger logger, string @switch);

    [LoggerMessage(3, LogLevel.Information, "Token validation uses {Mode} keys from {Source}")]
    public static partial void Mode(ILogger logger, string mode, string source);
}
