using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Suite.Edge.Connections;

namespace Suite.Benchmarks.Edge;

// permessage-deflate's cost to the edge: one compression per delivery per encoding (shared by every
// deflate recipient), against framing the same message uncompressed, for room-message frames of
// typical sizes. The text is words drawn at random from a small vocabulary, so it compresses about
// as chat does, not as a repeated string would. Sizes on the wire are printed by the setup.
[MemoryDiagnoser]
public class DeflateBenchmarks
{
    private static readonly string[] Words =
        ["the", "a", "meeting", "is", "moved", "to", "three", "o'clock", "please", "check", "your", "calendar", "and", "let", "me", "know",
         "if", "that", "works", "for", "you", "we", "can", "also", "talk", "tomorrow", "morning", "about", "release", "plan", "thanks", "ok"];

    private byte[] _payload = [];
    private FrameDeflater _deflater = null!;

    [Params(256, 1024, 4096, 16384)]
    public int FrameBytes { get; set; }

    [Params(1, 6)]
    public int Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = RoomMessage(FrameBytes);
        _deflater = new FrameDeflater(minBytes: 0, Level);
        var compressed = _deflater.Compress(_payload, text: true);
        Console.WriteLine($"// deflate: {_payload.Length} B frame payload, level {Level}: {WebSocketFrames.Text(_payload).Length} B on the wire uncompressed, {compressed?.Length} B compressed");
    }

    [Benchmark(Baseline = true)]
    public byte[] Uncompressed_frame() => WebSocketFrames.Text(_payload);

    [Benchmark]
    public byte[]? Compressed_frame() => _deflater.Compress(_payload, text: true);

    // The alternative not taken (yet): the runtime's own permessage-deflate writer, whose zlib
    // streams come from a process-wide pool and are reset instead of made per message; its level is
    // zlib's default (6) whatever Level says. A server socket over a stream that keeps what it is
    // given: one SendAsync writes one compressed frame, header included.
    [Benchmark]
    public byte[] Runtime_socket_pooled_zlib()
    {
        _captured.SetLength(0);
        _socket.SendAsync(_payload, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).GetAwaiter().GetResult();
        return _captured.ToArray();
    }

    private readonly MemoryStream _captured = new();
    private WebSocket _socket = null!;

    [GlobalSetup(Target = nameof(Runtime_socket_pooled_zlib))]
    public void SetupSocket()
    {
        Setup();
        _socket = WebSocket.CreateFromStream(new CaptureStream(_captured), new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = TimeSpan.Zero,
            DangerousDeflateOptions = new WebSocketDeflateOptions { ServerContextTakeover = false, ClientContextTakeover = false },
        });
    }

    private sealed class CaptureStream(MemoryStream into) : Stream
    {
        // CreateFromStream asks for a readable stream; nothing is ever read.
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => into.Length;

        public override long Position { get => into.Position; set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            into.Write(buffer.Span);
            return default;
        }

        public override void Write(byte[] buffer, int offset, int count) => into.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    // A delivered room message as the edge renders it, its text padded with words to about `size` bytes.
    private static byte[] RoomMessage(int size)
    {
        var random = new Random(7);
        var text = new StringBuilder();
        byte[] frame;
        do
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
            frame = JsonSerializer.SerializeToUtf8Bytes(new
            {
                type = "message",
                roomId = "room-17",
                from = "user-4711",
                content = new { text = text.ToString() },
                id = "3f2b9c1d7e6a4b0f8c5d2e1a9b7c6d5e",
                seq = 123456,
                timestamp = 1796520000000,
            });
        }
        while (frame.Length < size);
        return frame;
    }
}
