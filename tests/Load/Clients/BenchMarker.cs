using System.Globalization;

namespace Suite.Load.Clients;

/// <summary>
/// The content of every benchmark message: <c>bench:&lt;n&gt;:&lt;t&gt;[:padding]</c>, n the message's
/// number in the run and t its scheduled send time as a <see cref="System.Diagnostics.Stopwatch"/>
/// timestamp of the generator (one process, so no clock skew). A plain string, because that is the
/// one content type every protocol under test carries unchanged (SignalR's hub method takes a string).
/// </summary>
internal static class BenchMarker
{
    public const string Prefix = "bench:";

    public static string Create(long number, long sentAtStopwatch, string padding = "") =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{number}:{sentAtStopwatch}{(padding.Length > 0 ? ":" + padding : "")}");

    public static bool TryParse(ReadOnlySpan<char> content, out long number, out long sentAtStopwatch)
    {
        number = -1;
        sentAtStopwatch = 0;
        if (!content.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = content[Prefix.Length..];
        var colon = rest.IndexOf(':');
        if (colon <= 0 || !long.TryParse(rest[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        rest = rest[(colon + 1)..];
        var end = rest.IndexOf(':');
        return long.TryParse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out sentAtStopwatch) && sentAtStopwatch > 0;
    }
}
