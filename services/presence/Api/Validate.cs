using Grpc.Core;

namespace Suite.Presence.Api;

internal static class Validate
{
    // Bounded so one id cannot bloat every record that lists it; "||" is Dapr's key separator.
    private const int MaxIdLength = 256;

    public static void Id(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is required");
        }

        if (value.Length > MaxIdLength || value.Contains("||", StringComparison.Ordinal))
        {
            throw Invalid($"{field} must be at most {MaxIdLength} characters and must not contain \"||\"");
        }
    }

    public static RpcException Invalid(string detail) => new(new Status(StatusCode.InvalidArgument, detail));
}
