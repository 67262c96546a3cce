using System.Buffers;
using System.Text;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Connections;

public sealed class UpgradeRequestTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Request = "GET /ws?access_token=abc HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
        + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer xyz\r\n\r\n";

    [Fact]
    public void A_complete_upgrade_is_ours_with_its_parts_and_the_exact_head_length()
    {
        var bytes = Encoding.ASCII.GetBytes(Request + "\x81\x85frame");

        var parse = UpgradeRequest.Parse(new ReadOnlySequence<byte>(bytes), 8192, 32768, 100, out var request);

        Assert.Equal(UpgradeParse.Ours, parse);
        Assert.Equal(Request.Length, request!.HeadLength);
        Assert.Equal("access_token=abc", request.Query);
        Assert.Equal("Bearer xyz", request.Authorization.ToString());
        Assert.Equal("13", request.Version);
        Assert.True(request.ConnectionUpgrade);
        Assert.True(request.HasValidKey);
    }

    [Fact]
    public void Every_prefix_of_an_upgrade_needs_more_and_any_split_of_it_parses_the_same()
    {
        var bytes = Encoding.ASCII.GetBytes(Request);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(UpgradeParse.NeedMore, UpgradeRequest.Parse(new ReadOnlySequence<byte>(bytes, 0, length), 8192, 32768, 100, out _));
        }

        for (var split = 1; split < bytes.Length; split++)
        {
            var parse = UpgradeRequest.Parse(TwoSegments(bytes, split), 8192, 32768, 100, out var request);
            Assert.Equal(UpgradeParse.Ours, parse);
            Assert.Equal(bytes.Length, request!.HeadLength);
        }
    }

    [Theory]
    [InlineData("POST /ws HTTP/1.1\r\n")]
    [InlineData("GET /healthz HTTP/1.1\r\n")]
    [InlineData("GET /ws/other HTTP/1.1\r\n")]
    [InlineData("GET /%77s HTTP/1.1\r\n")]
    [InlineData("GET http://edge/ws HTTP/1.1\r\n")]
    [InlineData("GET /ws HTTP/1.0\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    public void Other_requests_are_not_ours_from_their_first_line(string start) =>
        Assert.Equal(UpgradeParse.NotOurs, UpgradeRequest.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(start)), 8192, 32768, 100, out _));

    [Theory]
    [InlineData("Host: edge\r\nConnection: Upgrade\r\n")]
    [InlineData("Upgrade: websocket\r\n")]
    [InlineData("Host: a\r\nHost: b\r\nUpgrade: websocket\r\n")]
    [InlineData("Host: edge\r\nUpgrade: websocket\r\nContent-Length: 3\r\n")]
    [InlineData("Host: edge\r\nUpgrade: websocket\r\n folded\r\n")]
    [InlineData("Host: edge\r\nUpgrade : websocket\r\n")]
    [InlineData("Host: edge\r\nUpgrade: websocket\r\nX: caf\u00e9\r\n")]
    public void Requests_without_a_clean_upgrade_are_left_to_kestrel(string headers) =>
        Assert.Equal(UpgradeParse.NotOurs, UpgradeRequest.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes("GET /ws HTTP/1.1\r\n" + headers + "\r\n")), 8192, 32768, 100, out _));

    [Fact]
    public void Heads_over_kestrels_limits_are_left_to_kestrel_before_they_end()
    {
        var flood = Encoding.ASCII.GetBytes("GET /ws HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\nX-Flood: " + new string('a', 40_000));
        var manyHeaders = Encoding.ASCII.GetBytes("GET /ws HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\n" + string.Concat(Enumerable.Repeat("X: 1\r\n", 101)) + "\r\n");
        var longLine = Encoding.ASCII.GetBytes("GET /ws?" + new string('a', 9000));

        Assert.Equal(UpgradeParse.NotOurs, UpgradeRequest.Parse(new ReadOnlySequence<byte>(flood), 8192, 32768, 100, out _));
        Assert.Equal(UpgradeParse.NotOurs, UpgradeRequest.Parse(new ReadOnlySequence<byte>(manyHeaders), 8192, 32768, 100, out _));
        Assert.Equal(UpgradeParse.NotOurs, UpgradeRequest.Parse(new ReadOnlySequence<byte>(longLine), 8192, 32768, 100, out _));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("short", false)]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ", false)]
    [InlineData(Key, true)]
    public void Key_must_be_base64_of_16_bytes(string? key, bool valid)
    {
        var head = "GET /ws HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\n" + (key is null ? "" : $"Sec-WebSocket-Key: {key}\r\n") + "\r\n";

        UpgradeRequest.Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), 8192, 32768, 100, out var request);

        Assert.Equal(valid, request!.HasValidKey);
    }

    [Fact]
    public void Accept_key_is_the_one_in_rfc_6455() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ClientHandshake.AcceptKey(Key));

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var second = first.Append(bytes.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
