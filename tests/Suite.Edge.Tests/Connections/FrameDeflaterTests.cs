using System.Text;
using Suite.Edge.Connections;
using Suite.Edge.Tests.Integration;

namespace Suite.Edge.Tests.Connections;

public sealed class FrameDeflaterTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes(
        string.Concat(Enumerable.Repeat("""{"type":"message","roomId":"lobby","from":"alice","content":{"text":"hello"}}""", 8)));

    [Theory]
    [InlineData(true, 0xC1)]
    [InlineData(false, 0xC2)]
    public void A_message_becomes_one_final_frame_with_rsv1_whose_payload_inflates_to_it(bool text, byte first)
    {
        var frame = new FrameDeflater(minBytes: 64, level: 6).Compress(Message, text)!;

        Assert.Equal(first, frame[0]);
        var (headerLength, length) = frame[1] == 126 ? (4, (frame[2] << 8) | frame[3]) : (2, frame[1] & 0x7F);
        Assert.Equal(frame.Length, headerLength + length);
        Assert.True(length < Message.Length / 2, $"{Message.Length} bytes compressed to {length}");
        Assert.Equal(Message, DeflateData.Inflate(frame[headerLength..]));
    }

    [Fact]
    public void A_message_below_the_minimum_or_that_would_not_shrink_stays_uncompressed()
    {
        var deflater = new FrameDeflater(minBytes: 64, level: 1);

        Assert.Null(deflater.Compress(Message.AsSpan(0, 63), text: true));
        Assert.Null(deflater.Compress(System.Security.Cryptography.RandomNumberGenerator.GetBytes(300), text: false));
    }
}
