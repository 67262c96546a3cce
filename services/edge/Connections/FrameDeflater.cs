using System.IO.Compression;

namespace Suite.Edge.Connections;

/// <summary>
/// Compresses a whole server message for permessage-deflate clients (<see cref="PermessageDeflate"/>),
/// once per delivery and encoding: the result is shared by every deflate recipient, so it holds no
/// state between messages (server_no_context_takeover) and none per connection. Thread-safe.
/// </summary>
public sealed class FrameDeflater(int minBytes, int level)
{
    // What a sync flush ends with; RFC 7692 §7.2.1 leaves it off the wire.
    private static ReadOnlySpan<byte> FlushTail => [0x00, 0x00, 0xFF, 0xFF];

    public static FrameDeflater From(ConnectionOptions options) => new(options.DeflateMinBytes, options.DeflateLevel);

    /// <summary>
    /// <paramref name="payload"/> as one compressed frame (RSV1 set), header included; null when the
    /// message is below the minimum size or would not shrink: it then goes as it is (RSV1 clear),
    /// which RFC 7692 allows for any message.
    /// </summary>
    public byte[]? Compress(ReadOnlySpan<byte> payload, bool text)
    {
        if (payload.Length < minBytes)
        {
            return null;
        }

        using var output = new MemoryStream((payload.Length / 2) + 64);
        using (var deflate = new DeflateStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            deflate.Write(payload);
            // A sync flush: the message's data ends at a byte boundary with an empty stored block
            // (00 00 FF FF), and no final block follows, as RFC 7692 §7.2.1 asks.
            deflate.Flush();
            var flushed = output.GetBuffer().AsSpan(0, (int)output.Length);
            if (!flushed.EndsWith(FlushTail))
            {
                throw new InvalidOperationException("deflate did not end the message with a sync flush");
            }

            var deflated = flushed[..^FlushTail.Length];
            return deflated.Length < payload.Length ? WebSocketFrames.Deflated(text, deflated) : null;
        }
    }
}
