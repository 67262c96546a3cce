using System.Buffers;
using System.Text.Json;
using Suite.Contracts.Edge.V1;

namespace Suite.Edge.Protocol;

// One JSON writer and scratch buffer per thread, reused for every frame encoded on it, so encoding
// allocates only the finished payload. The payload itself is a fresh exact-size array and never
// pooled: one frame is shared by many send queues and may be sent long after it was encoded.
internal sealed class FrameBuffer
{
    // A rare huge frame must not pin its buffer to a thread for the life of the process.
    private const int MaxRetainedCapacity = 128 * 1024;

    // The same escaping as every delivered frame (see ServerMessageJson), so a client sees one style.
    private static readonly JsonWriterOptions Options = ServerMessageJson.WriterOptions;

    [ThreadStatic]
    private static FrameBuffer? t_current;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    private FrameBuffer() => _writer = new Utf8JsonWriter(_buffer, Options);

    public Utf8JsonWriter Writer => _writer;

    // Resets on the way in, so a frame that threw halfway leaves nothing behind for the next one.
    public static FrameBuffer Rent()
    {
        var current = t_current ??= new FrameBuffer();
        current._buffer.ResetWrittenCount();
        current._writer.Reset(current._buffer);
        return current;
    }

    public ReadOnlyMemory<byte> ToPayload()
    {
        _writer.Flush();
        var payload = _buffer.WrittenSpan.ToArray();
        if (_buffer.Capacity > MaxRetainedCapacity)
        {
            t_current = null;
        }

        return payload;
    }
}
