using System.Buffers.Binary;

namespace Suite.Edge.Connections;

/// <summary>Server-to-client WebSocket frames as they go on the wire (RFC 6455 §5.2).</summary>
public static class WebSocketFrames
{
    // FIN + opcode 0x1 (text), FIN + opcode 0x2 (binary).
    private const byte FinalText = 0x81;
    private const byte FinalBinary = 0x82;

    // RSV1 marks a message compressed with permessage-deflate (RFC 7692 §6).
    private const byte Compressed = 0x40;

    /// <summary>
    /// One unfragmented, unmasked text frame holding <paramref name="payload"/>: what the runtime's
    /// WebSocket writes for a whole text message from a server without compression.
    /// </summary>
    public static byte[] Text(ReadOnlySpan<byte> payload) => Frame(FinalText, payload);

    /// <summary>The same as <see cref="Text"/> for a binary message (the binary encodings).</summary>
    public static byte[] Binary(ReadOnlySpan<byte> payload) => Frame(FinalBinary, payload);

    /// <summary>
    /// A whole text or binary message compressed with permessage-deflate: RSV1 set, and
    /// <paramref name="deflated"/> the message's deflate data without the trailing 00 00 FF FF.
    /// </summary>
    public static byte[] Deflated(bool text, ReadOnlySpan<byte> deflated) => Frame((byte)((text ? FinalText : FinalBinary) | Compressed), deflated);

    /// <summary>A close frame with <paramref name="code"/> and a reason of at most 123 UTF-8 bytes (RFC 6455 §5.5.1).</summary>
    public static byte[] Close(int code, string reason)
    {
        var payload = new byte[2 + System.Text.Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        System.Text.Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return Frame(0x88, payload);
    }

    private static byte[] Frame(byte first, ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[headerLength + payload.Length];
        frame[0] = first;
        switch (headerLength)
        {
            case 2:
                frame[1] = (byte)payload.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }

        payload.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }
}
