using System.Buffers;
using System.Text.Json;
using Suite.Contracts.Edge.V1;

namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// The JSON that a binary frame's <c>content</c> becomes: content travels on to other clients and
/// into room history as JSON, whatever encoding its sender used. Writing stops as soon as it passes
/// the content limit, so a frame of small values that expand in JSON costs at most the limit.
/// </summary>
internal sealed class ContentJson : IDisposable
{
    /// <summary>The JSON reader's nesting limit for a whole frame (its object included), kept for every encoding.</summary>
    public const int MaxDepth = 64;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly long _limit;

    public ContentJson(ProtocolLimits limits)
    {
        _limit = limits.MaxContentBytes;
        Writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = ServerMessageJson.WriterOptions.Encoder, MaxDepth = MaxDepth + 1 });
    }

    public Utf8JsonWriter Writer { get; }

    /// <summary>Why the content cannot be JSON; null while it can.</summary>
    public string? Problem { get; set; }

    public bool OverLimit => Writer.BytesPending + Writer.BytesCommitted > _limit;

    /// <summary>False once the conversion must stop: a problem, or over the limit.</summary>
    public bool CanGoOn => Problem is null && !OverLimit;

    /// <summary>The content field as the parser judges it, its JSON starting at 0 of <see cref="Written"/>.</summary>
    public FieldValue Field(JsonTokenType token)
    {
        Writer.Flush();
        return new(token, RawStart: 0, RawLength: _buffer.WrittenCount, TooLong: OverLimit);
    }

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public static string NonFinite(double value) => $"Field 'content' holds the number {value}, which JSON cannot carry.";

    public void Dispose() => Writer.Dispose();
}
