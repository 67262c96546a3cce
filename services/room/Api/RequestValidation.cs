using System.Text.Json;
using Grpc.Core;

namespace Suite.Room.Api;

internal static class RequestValidation
{
    /// <exception cref="RpcException">INVALID_ARGUMENT naming the field.</exception>
    public static void RequireId(string value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is required");
        }

        if (value.Length > maxLength)
        {
            throw Invalid($"{field} is longer than {maxLength} characters");
        }

        // "||" separates the app id from the key in Dapr state keys.
        if (value.Contains("||", StringComparison.Ordinal))
        {
            throw Invalid($"{field} must not contain '||'");
        }
    }

    /// <exception cref="RpcException">INVALID_ARGUMENT when the text is not exactly one JSON value.</exception>
    public static void RequireJson(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is required (any JSON value)");
        }

        try
        {
            using var _ = JsonDocument.Parse(value);
        }
        catch (JsonException ex)
        {
            throw Invalid($"{field} is not valid JSON: {ex.Message}");
        }
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
