using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Suite.Edge.Protocol.Encodings;

// What the binary readers share: the values they take from a frame become the same FieldValues the
// JSON reader makes (a value's kind as the JSON token it stands for), so ClientMessageParser judges
// every encoding with one set of checks and messages.
internal static class BinaryFields
{
    // UTF-8 takes at most 3 bytes per UTF-16 character, so longer text is over the limit undecoded.
    private const int MaxBytesPerChar = 3;

    public static FieldValue Text(ReadOnlySpan<byte> utf8, int maxChars)
    {
        if (utf8.Length > (long)maxChars * MaxBytesPerChar)
        {
            return new(JsonTokenType.String, TooLong: true);
        }

        if (!Utf8.IsValid(utf8))
        {
            return new(JsonTokenType.String, InvalidText: true);
        }

        var text = Encoding.UTF8.GetString(utf8);
        return new(JsonTokenType.String, text, TooLong: text.Length > maxChars);
    }

    public static FieldValue Text(string text, int maxChars) =>
        new(JsonTokenType.String, text, TooLong: text.Length > maxChars);

    /// <summary>The <c>type</c> field: the interned name when known, else the text to quote back.</summary>
    public static FieldValue Type(ReadOnlySpan<byte> utf8, ref string? typeName)
    {
        var known = ClientFrameReader.KnownType(utf8);
        typeName ??= known;
        if (known is not null)
        {
            return new(JsonTokenType.String, known);
        }

        // Quoted back cut short; decoding more than the quoted part would be work for nothing.
        var head = utf8[..Math.Min(utf8.Length, 4 * 64)];
        return new(JsonTokenType.String, ClientFrameReader.QuoteType(Encoding.UTF8.GetString(head)));
    }

    /// <summary>A number: <see cref="FieldValue.Integer"/> only for a non-negative integer, as in JSON.</summary>
    public static FieldValue Number(ulong? nonNegativeInteger) => new(JsonTokenType.Number, Integer: nonNegativeInteger);

    /// <summary>Takes one element of an ack's <c>ids</c>, as the JSON reader does: kept while every element passes and the count is within the limit.</summary>
    public static void AddId(ref ClientFrameFields fields, in FieldValue element, ProtocolLimits limits)
    {
        var ids = fields.IdList ??= [];
        if (fields.IdsProblem is not null)
        {
            return;
        }

        if (ids.Count >= limits.MaxAckIds)
        {
            fields.IdsProblem = $"Field 'ids' holds more than {limits.MaxAckIds} ids; ack at most {limits.MaxAckIds} at once.";
            return;
        }

        fields.IdsProblem = ClientFrameReader.IdProblem(element, ids.Count, limits);
        ids.Add(element.Text ?? "");
    }
}
