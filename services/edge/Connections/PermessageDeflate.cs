using System.Net.WebSockets;
using Microsoft.Extensions.Primitives;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's side of permessage-deflate (RFC 7692): which offer in a client's
/// <c>Sec-WebSocket-Extensions</c> it accepts, its answer, and how the runtime socket then reads.
/// </summary>
/// <remarks>
/// The answer always holds <c>server_no_context_takeover</c>: every server message is compressed on
/// its own, so one compressed frame per delivery and encoding serves every deflate recipient, as the
/// uncompressed bytes do, and the edge keeps no compressor per connection. It always holds
/// <c>client_no_context_takeover</c> too (a server may add it to any offer, RFC 7692 §7.1.1.2): the
/// client's messages are then independent as well, so the runtime's inflater gives its zlib stream
/// back to the runtime's shared pool after each message instead of keeping ~40 KB per connection.
/// The edge compresses with a 32 KB window, so an offer that limits the server's window below that
/// (<c>server_max_window_bits</c> &lt; 15) is declined, and the next offer, if any, is tried.
/// </remarks>
public static class PermessageDeflate
{
    public const string Name = "permessage-deflate";

    private const int MaxWindowBits = 15;
    private const int MinWindowBits = 8;

    /// <summary>
    /// How the runtime WebSocket of a deflate connection reads and writes: it inflates client
    /// messages with a full window and no context kept. Its own writes are close and pong frames,
    /// which it never compresses; data frames the edge writes itself.
    /// </summary>
    public static WebSocketDeflateOptions SocketOptions() => new()
    {
        ClientMaxWindowBits = MaxWindowBits,
        ClientContextTakeover = false,
        ServerMaxWindowBits = MaxWindowBits,
        ServerContextTakeover = false,
    };

    /// <summary>
    /// The first acceptable permessage-deflate offer among <paramref name="headers"/> (every
    /// Sec-WebSocket-Extensions header), answered in <paramref name="response"/>, the value of the
    /// 101's Sec-WebSocket-Extensions. False when there is none to accept: no extension then.
    /// </summary>
    public static bool TryAccept(StringValues headers, out string response)
    {
        foreach (var header in headers)
        {
            foreach (var offer in SplitOutsideQuotes(header ?? "", ','))
            {
                if (TryAcceptOffer(offer, out response))
                {
                    return true;
                }
            }
        }

        response = "";
        return false;
    }

    // RFC 7692 §5: an offer with an unknown parameter, a parameter twice or a bad value is declined.
    private static bool TryAcceptOffer(string offer, out string response)
    {
        response = "";
        var parts = SplitOutsideQuotes(offer, ';');
        if (parts.Count == 0 || !parts[0].Equals(Name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var limitsServerWindow = false;
        foreach (var parameter in parts.Skip(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? parameter : parameter[..equals]).Trim();
            var value = equals < 0 ? null : Unquote(parameter[(equals + 1)..].Trim());
            if (!seen.Add(name))
            {
                return false;
            }

            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" or "client_no_context_takeover" when value is null:
                    break;
                case "client_max_window_bits" when value is null || IsWindowBits(value, out _):
                    // A hint that the client can use a smaller window; the inflater takes any.
                    break;
                case "server_max_window_bits" when value is not null && IsWindowBits(value, out var bits):
                    if (bits < MaxWindowBits)
                    {
                        return false;
                    }

                    limitsServerWindow = true;
                    break;
                default:
                    return false;
            }
        }

        // Accepting server_max_window_bits means answering it (§7.1.2.1).
        response = limitsServerWindow
            ? $"{Name}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits={MaxWindowBits}"
            : $"{Name}; server_no_context_takeover; client_no_context_takeover";
        return true;
    }

    // RFC 7692 §7.1.2: 1*DIGIT, 8 to 15, no leading zero.
    private static bool IsWindowBits(string value, out int bits)
    {
        bits = 0;
        return value.Length is 1 or 2 && value[0] != '0' && value.All(char.IsAsciiDigit)
            && int.TryParse(value, out bits) && bits is >= MinWindowBits and <= MaxWindowBits;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (i == text.Length || (text[i] == separator && !quoted))
            {
                var part = text[start..i].Trim();
                if (part.Length > 0)
                {
                    parts.Add(part);
                }

                start = i + 1;
            }
        }

        return parts;
    }
}
