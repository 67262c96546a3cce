using System.IO.Compression;

namespace Suite.Edge.Tests.Integration;

/// <summary>A client's side of permessage-deflate (RFC 7692 §7.2) for raw-socket tests, written apart from the edge's code.</summary>
internal static class DeflateData
{
    private static readonly byte[] FlushTail = [0x00, 0x00, 0xFF, 0xFF];

    /// <summary>A message's payload as it went on the wire (RSV1 set) back to the message: RFC 7692 §7.2.2.</summary>
    public static byte[] Inflate(byte[] payload)
    {
        using var input = new MemoryStream([.. payload, .. FlushTail]);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        inflate.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>A message compressed for the wire: deflate data ending in a sync flush, its 00 00 FF FF taken off (§7.2.1).</summary>
    public static byte[] Deflate(byte[] message)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(message);
            deflate.Flush();
            var flushed = output.ToArray();
            Assert.Equal(FlushTail, flushed[^4..]);
            return flushed[..^4];
        }
    }
}
