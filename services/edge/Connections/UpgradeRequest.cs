using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Suite.Edge.Connections;

/// <summary>
/// The parts of an HTTP/1.1 <c>GET /ws</c> upgrade request the edge's own handshake needs, read from
/// the start of a connection's bytes.
/// </summary>
/// <remarks>
/// Only a plain, well-formed upgrade request is taken (<see cref="UpgradeParse.Ours"/>); anything
/// else, including every malformed or oversized request, is left to Kestrel, which answers it
/// exactly as before (400, 414, 431, the endpoint's own 400 for a plain GET /ws). So this parser
/// never has to produce an HTTP error of its own for bad syntax: when unsure, it says NotOurs.
/// </remarks>
public sealed class UpgradeRequest
{
    private static ReadOnlySpan<byte> Get => "GET "u8;

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private UpgradeRequest()
    {
    }

    /// <summary>The raw query string without its '?', or null.</summary>
    public string? Query { get; private set; }

    public StringValues Authorization { get; private set; }

    /// <summary>The single Sec-WebSocket-Key; null when missing or repeated.</summary>
    public string? Key { get; private set; }

    public string? Version { get; private set; }

    /// <summary>Every Sec-WebSocket-Protocol header, as sent (each a comma-separated list of subprotocols).</summary>
    public StringValues Protocols { get; private set; }

    /// <summary>Every Sec-WebSocket-Extensions header, as sent (each a comma-separated list of extension offers).</summary>
    public StringValues Extensions { get; private set; }

    /// <summary>The Origin a browser sends with every upgrade; null when absent.</summary>
    public string? Origin { get; private set; }

    /// <summary>The Connection header lists <c>upgrade</c>.</summary>
    public bool ConnectionUpgrade { get; private set; }

    /// <summary>Bytes of the request line and headers, up to and including the empty line.</summary>
    public long HeadLength { get; private set; }

    /// <summary>Sec-WebSocket-Key is base64 of 16 bytes (RFC 6455 §4.1).</summary>
    public bool HasValidKey
    {
        get
        {
            Span<byte> decoded = stackalloc byte[18];
            return Key is { Length: 24 } key && Convert.TryFromBase64String(key, decoded, out var length) && length == 16;
        }
    }

    /// <summary>
    /// Decides from what has arrived so far. <paramref name="maxLine"/> and <paramref name="maxHeaders"/>
    /// (bytes) and <paramref name="maxHeaderCount"/> are Kestrel's limits: a request over them is left to
    /// Kestrel, which refuses it.
    /// </summary>
    public static UpgradeParse Parse(in ReadOnlySequence<byte> buffer, int maxLine, int maxHeaders, int maxHeaderCount, out UpgradeRequest? request)
    {
        request = null;
        var prefixLength = (int)Math.Min(Get.Length, buffer.Length);
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, prefixLength).CopyTo(prefix);
        if (!prefix[..prefixLength].SequenceEqual(Get[..prefixLength]))
        {
            return UpgradeParse.NotOurs;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineBytes, CrLf))
        {
            return buffer.Length > maxLine ? UpgradeParse.NotOurs : UpgradeParse.NeedMore;
        }

        if (lineBytes.Length + 2 > maxLine || !TryReadRequestLine(Contiguous(lineBytes), out var query))
        {
            return UpgradeParse.NotOurs;
        }

        if (reader.IsNext(CrLf))
        {
            // No headers at all: no Host, no Upgrade.
            return UpgradeParse.NotOurs;
        }

        var headersStart = reader.Consumed;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headerBytes, EndOfHead))
        {
            return buffer.Length - headersStart > maxHeaders + EndOfHead.Length ? UpgradeParse.NotOurs : UpgradeParse.NeedMore;
        }

        if (headerBytes.Length + 2 > maxHeaders)
        {
            return UpgradeParse.NotOurs;
        }

        var parsed = new UpgradeRequest { Query = query, HeadLength = reader.Consumed };
        return parsed.TryReadHeaders(Contiguous(headerBytes), maxHeaderCount) ? Found(parsed, out request) : UpgradeParse.NotOurs;
    }

    private static UpgradeParse Found(UpgradeRequest parsed, out UpgradeRequest? request)
    {
        request = parsed;
        return UpgradeParse.Ours;
    }

    // Nearly always one segment: no copy then.
    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> bytes) => bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();

    // "GET /ws[/][?query] HTTP/1.1", in origin form; a target Kestrel would decode or normalise
    // (percent-encoding, dot segments, absolute form) is left to Kestrel.
    private static bool TryReadRequestLine(ReadOnlySpan<byte> line, out string? query)
    {
        query = null;
        line = line[Get.Length..];
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || !line[(space + 1)..].SequenceEqual("HTTP/1.1"u8))
        {
            return false;
        }

        var target = line[..space];
        foreach (var b in target)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return false;
            }
        }

        var mark = target.IndexOf((byte)'?');
        var path = mark < 0 ? target : target[..mark];
        if (!Ascii.EqualsIgnoreCase(path, "/ws"u8) && !Ascii.EqualsIgnoreCase(path, "/ws/"u8))
        {
            return false;
        }

        if (mark >= 0 && mark + 1 < target.Length)
        {
            query = Encoding.ASCII.GetString(target[(mark + 1)..]);
        }

        return true;
    }

    private bool TryReadHeaders(ReadOnlySpan<byte> headers, int maxHeaderCount)
    {
        var hosts = 0;
        var keys = 0;
        var upgrade = false;
        var count = 0;
        while (!headers.IsEmpty)
        {
            var end = headers.IndexOf(CrLf);
            var line = end < 0 ? headers : headers[..end];
            headers = end < 0 ? [] : headers[(end + 2)..];
            if (++count > maxHeaderCount)
            {
                return false;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]) || !TryValue(line[(colon + 1)..], out var raw))
            {
                return false;
            }

            var name = line[..colon];
            if (Ascii.EqualsIgnoreCase(name, "Host"u8))
            {
                hosts++;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
            {
                upgrade |= ListContains(raw, "websocket"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                ConnectionUpgrade |= ListContains(raw, "upgrade"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Key"u8))
            {
                keys++;
                Key = Encoding.ASCII.GetString(raw);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Version"u8))
            {
                Version = Version is null ? Encoding.ASCII.GetString(raw) : "";
            }
            else if (Ascii.EqualsIgnoreCase(name, "Origin"u8))
            {
                // Repeated: "" matches no allowed origin, so the allowlist cannot be split around.
                Origin = Origin is null ? Encoding.ASCII.GetString(raw) : "";
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Protocol"u8))
            {
                Protocols = StringValues.Concat(Protocols, Encoding.ASCII.GetString(raw));
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Extensions"u8))
            {
                Extensions = StringValues.Concat(Extensions, Encoding.ASCII.GetString(raw));
            }
            else if (Ascii.EqualsIgnoreCase(name, "Authorization"u8))
            {
                Authorization = StringValues.Concat(Authorization, Encoding.ASCII.GetString(raw));
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // An upgrade with a body is not one a WebSocket client sends; Kestrel decides what it is.
                return false;
            }
        }

        if (keys != 1)
        {
            Key = null;
        }

        return upgrade && hosts == 1;
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b is <= 0x20 or >= 0x7F or (byte)'"' or (byte)'(' or (byte)')' or (byte)',' or (byte)'/' or (byte)':' or (byte)';'
                or (byte)'<' or (byte)'=' or (byte)'>' or (byte)'?' or (byte)'@' or (byte)'[' or (byte)'\\' or (byte)']' or (byte)'{' or (byte)'}')
            {
                return false;
            }
        }

        return true;
    }

    // Visible ASCII, spaces and tabs only; anything else is Kestrel's to refuse.
    private static bool TryValue(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> trimmed)
    {
        foreach (var b in value)
        {
            if (b is (< 0x20 and not (byte)'\t') or >= 0x7F)
            {
                trimmed = default;
                return false;
            }
        }

        trimmed = value.Trim(" \t"u8);
        return true;
    }

    private static bool ListContains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}
