namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// The WebSocket subprotocols the edge speaks (architecture.md, "Binary encodings by subprotocol"):
/// the client offers some in <c>Sec-WebSocket-Protocol</c>, the edge takes the first it supports and
/// echoes it; none offered means JSON; offers of unknown ones only are refused at the upgrade.
/// </summary>
public static class Subprotocols
{
    public const string Json = "gateway.v1.json";
    public const string MessagePack = "gateway.v1.msgpack";
    public const string Cbor = "gateway.v1.cbor";
    public const string Protobuf = "gateway.v1.protobuf";

    /// <summary>Every supported subprotocol, in the order the 400 body lists them.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Json, MessagePack, Cbor, Protobuf];

    /// <summary>The 400 body for an upgrade that offers none of the supported subprotocols.</summary>
    public static string UnsupportedMessage { get; } = "unsupported subprotocol; supported: " + string.Join(", ", Supported);

    public static string NameOf(FrameEncoding encoding) => encoding switch
    {
        FrameEncoding.MessagePack => MessagePack,
        FrameEncoding.Cbor => Cbor,
        FrameEncoding.Protobuf => Protobuf,
        _ => Json,
    };

    /// <summary>
    /// Chooses from the offered subprotocols (header values, each a comma-separated list). True with
    /// the encoding and the name to echo (null when nothing was offered: JSON, and no header in the
    /// 101); false when something was offered but nothing supported: answer 400.
    /// </summary>
    public static bool TryChoose(IEnumerable<string?> offered, out FrameEncoding encoding, out string? echo)
    {
        ArgumentNullException.ThrowIfNull(offered);
        encoding = FrameEncoding.Json;
        echo = null;
        var any = false;
        foreach (var header in offered)
        {
            foreach (var part in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                any = true;
                if (TryParse(part, out encoding))
                {
                    echo = NameOf(encoding);
                    return true;
                }
            }
        }

        encoding = FrameEncoding.Json;
        return !any;
    }

    // Subprotocol names are tokens compared exactly (RFC 6455 §4.1 leaves case to the protocol; ours are lower case).
    private static bool TryParse(string name, out FrameEncoding encoding)
    {
        encoding = name switch
        {
            Json => FrameEncoding.Json,
            MessagePack => FrameEncoding.MessagePack,
            Cbor => FrameEncoding.Cbor,
            Protobuf => FrameEncoding.Protobuf,
            _ => (FrameEncoding)(-1),
        };
        return encoding >= FrameEncoding.Json;
    }
}
