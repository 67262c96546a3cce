using System.Text.Json;

namespace Suite.Edge.Protocol;

// One forward pass of Utf8JsonReader over the frame's top-level properties: no DOM, and strings
// are materialised only for known fields. Malformed JSON surfaces as JsonException.
internal static class ClientFrameReader
{
    // Matches the reader's default; deep nesting inside `content` beyond this is refused as malformed.
    private const int MaxDepth = 64;

    // A JSON escape (\uXXXX) is the widest form of one UTF-16 character, so a raw value longer than
    // this many bytes per allowed character is over the limit without decoding it.
    private const int MaxBytesPerChar = 6;

    // Unknown types are quoted back in the error message, cut short so a client cannot make the
    // server echo a large string.
    private const int MaxQuotedTypeLength = 64;

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = MaxDepth,
    };

    public static ProtocolError? Read(ReadOnlySpan<byte> utf8, ProtocolLimits limits, out ClientFrameFields fields)
    {
        fields = default;
        var reader = new Utf8JsonReader(utf8, Options);
        if (!reader.Read())
        {
            return new(ErrorCodes.InvalidJson, "The frame is empty.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return new(ErrorCodes.InvalidJson, $"The frame must be a JSON object, not {Describe(reader.TokenType)}.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                Store(ref fields.Type, ReadType(ref reader, out var typeName));
                fields.TypeName ??= typeName;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                Store(ref fields.Id, ReadString(ref reader, limits.MaxIdLength));
            }
            else if (reader.ValueTextEquals("roomId"u8))
            {
                reader.Read();
                Store(ref fields.RoomId, ReadString(ref reader, limits.MaxIdLength));
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                Store(ref fields.Content, ReadRaw(ref reader));
            }
            else if (reader.ValueTextEquals("to"u8))
            {
                reader.Read();
                Store(ref fields.To, ReadString(ref reader, limits.MaxIdLength));
            }
            else if (reader.ValueTextEquals("channel"u8))
            {
                reader.Read();
                Store(ref fields.Channel, ReadString(ref reader, limits.MaxIdLength));
            }
            else if (reader.ValueTextEquals("token"u8))
            {
                reader.Read();
                Store(ref fields.Token, ReadString(ref reader, limits.MaxTokenLength));
            }
            else if (reader.ValueTextEquals("since"u8))
            {
                reader.Read();
                ReadSince(ref reader, ref fields);
            }
            else if (reader.ValueTextEquals("limit"u8))
            {
                reader.Read();
                Store(ref fields.Limit, ReadInteger(ref reader));
            }
            else if (reader.ValueTextEquals("before"u8))
            {
                reader.Read();
                Store(ref fields.Before, ReadInteger(ref reader));
            }
            else if (reader.ValueTextEquals("ids"u8))
            {
                reader.Read();
                ReadIds(ref reader, limits, ref fields);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Anything after the closing brace makes this throw, so `{"type":"ping"} x` is malformed too.
        if (reader.Read())
        {
            return new(ErrorCodes.InvalidJson, "The frame must hold exactly one JSON object.");
        }

        return null;
    }

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        // The binary encodings' readers stand Comment (which a JSON frame never yields: comments are
        // refused) for values JSON has no kind for: MessagePack bin/ext, CBOR byte strings and tags.
        JsonTokenType.Comment => "binary data",
        _ => token.ToString(),
    };

    // The first occurrence wins and a repeat is remembered, so the parser can refuse a frame whose
    // meaning would depend on which duplicate a reader picks.
    internal static void Store(ref FieldValue slot, FieldValue value) =>
        slot = slot.IsPresent ? slot with { Duplicate = true } : value;

    private static FieldValue ReadType(ref Utf8JsonReader reader, out string? typeName)
    {
        typeName = null;
        var token = reader.TokenType;
        if (token != JsonTokenType.String)
        {
            reader.Skip();
            return new(token);
        }

        typeName = MatchType(ref reader);
        if (typeName is not null || reader.ValueSpan.Length > MaxQuotedTypeLength * MaxBytesPerChar)
        {
            return new(JsonTokenType.String, typeName);
        }

        return ReadString(ref reader, int.MaxValue) is { Text: { } text } value
            ? value with { Text = text.Length > MaxQuotedTypeLength ? text[..MaxQuotedTypeLength] + "…" : text }
            : new(JsonTokenType.String);
    }

    // Compared on the reader's bytes (escapes included) so the common case allocates nothing, and
    // the interned constant is used as the name.
    private static string? MatchType(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("message"u8) ? ClientMessageTypes.Message
        : reader.ValueTextEquals("ping"u8) ? ClientMessageTypes.Ping
        : reader.ValueTextEquals("direct"u8) ? ClientMessageTypes.Direct
        : reader.ValueTextEquals("join"u8) ? ClientMessageTypes.Join
        : reader.ValueTextEquals("leave"u8) ? ClientMessageTypes.Leave
        : reader.ValueTextEquals("subscribe"u8) ? ClientMessageTypes.Subscribe
        : reader.ValueTextEquals("unsubscribe"u8) ? ClientMessageTypes.Unsubscribe
        : reader.ValueTextEquals("auth"u8) ? ClientMessageTypes.Auth
        : reader.ValueTextEquals("history"u8) ? ClientMessageTypes.History
        : reader.ValueTextEquals("ack"u8) ? ClientMessageTypes.Ack
        : null;

    // `since` is read in the same forward pass: its own properties are taken as the reader passes
    // them, unknown ones skipped, so the frame is still read once and without a DOM. A repeated
    // `since` is only marked: its fields are not read a second time.
    private static void ReadSince(ref Utf8JsonReader reader, ref ClientFrameFields fields)
    {
        var token = reader.TokenType;
        if (token != JsonTokenType.StartObject || fields.Since.IsPresent)
        {
            reader.Skip();
            Store(ref fields.Since, new(token));
            return;
        }

        fields.Since = new(token);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                Store(ref fields.SinceSeq, ReadInteger(ref reader));
            }
            else if (reader.ValueTextEquals("epoch"u8))
            {
                reader.Read();
                Store(ref fields.SinceEpoch, ReadString(ref reader, ProtocolLimits.MaxEpochLength));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    // Read in the same pass, like `since`. Strings are kept only while every element passes and the
    // count is within the limit; past the limit the rest is skipped unread, so a client cannot make
    // the edge decode a huge array.
    private static void ReadIds(ref Utf8JsonReader reader, ProtocolLimits limits, ref ClientFrameFields fields)
    {
        var token = reader.TokenType;
        if (token != JsonTokenType.StartArray || fields.Ids.IsPresent)
        {
            reader.Skip();
            Store(ref fields.Ids, new(token));
            return;
        }

        fields.Ids = new(token);
        var ids = new List<string>();
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (fields.IdsProblem is not null)
            {
                reader.Skip();
                continue;
            }

            if (index >= limits.MaxAckIds)
            {
                fields.IdsProblem = $"Field 'ids' holds more than {limits.MaxAckIds} ids; ack at most {limits.MaxAckIds} at once.";
                reader.Skip();
                continue;
            }

            var element = ReadString(ref reader, limits.MaxAckIdLength);
            fields.IdsProblem = IdProblem(element, index, limits);
            ids.Add(element.Text ?? "");
            index++;
        }

        fields.IdList = ids;
    }

    /// <summary>What is wrong with element <paramref name="index"/> of an ack's <c>ids</c>, or null; every encoding's reader asks this.</summary>
    public static string? IdProblem(in FieldValue element, int index, ProtocolLimits limits)
    {
        var text = element.Text ?? "";
        return element.Token != JsonTokenType.String ? $"Field 'ids[{index}]' must be a string, not {Describe(element.Token)}."
            : element.InvalidText ? $"Field 'ids[{index}]' is not valid Unicode text."
            : element.TooLong ? $"Field 'ids[{index}]' is longer than {limits.MaxAckIdLength} characters."
            : text.Length == 0 || string.IsNullOrWhiteSpace(text) ? $"Field 'ids[{index}]' must not be empty."
            : null;
    }

    /// <summary>The interned name of a known client frame type, or null.</summary>
    public static string? KnownType(ReadOnlySpan<byte> utf8) =>
        utf8.SequenceEqual("message"u8) ? ClientMessageTypes.Message
        : utf8.SequenceEqual("ping"u8) ? ClientMessageTypes.Ping
        : utf8.SequenceEqual("direct"u8) ? ClientMessageTypes.Direct
        : utf8.SequenceEqual("join"u8) ? ClientMessageTypes.Join
        : utf8.SequenceEqual("leave"u8) ? ClientMessageTypes.Leave
        : utf8.SequenceEqual("subscribe"u8) ? ClientMessageTypes.Subscribe
        : utf8.SequenceEqual("unsubscribe"u8) ? ClientMessageTypes.Unsubscribe
        : utf8.SequenceEqual("auth"u8) ? ClientMessageTypes.Auth
        : utf8.SequenceEqual("history"u8) ? ClientMessageTypes.History
        : utf8.SequenceEqual("ack"u8) ? ClientMessageTypes.Ack
        : null;

    /// <summary>An unknown type as the error message quotes it: cut short, so a client cannot make the server echo a large string.</summary>
    public static string QuoteType(string text) => text.Length > MaxQuotedTypeLength ? text[..MaxQuotedTypeLength] + "…" : text;

    private static FieldValue ReadInteger(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        if (token != JsonTokenType.Number)
        {
            reader.Skip();
            return new(token);
        }

        // TryGetUInt64 refuses a sign, a fraction, an exponent and anything past 2^64-1.
        return reader.TryGetUInt64(out var value) ? new(token, Integer: value) : new(token);
    }

    private static FieldValue ReadString(ref Utf8JsonReader reader, int maxChars)
    {
        var token = reader.TokenType;
        if (token != JsonTokenType.String)
        {
            reader.Skip();
            return new(token);
        }

        if (reader.ValueSpan.Length > (long)maxChars * MaxBytesPerChar)
        {
            return new(token, TooLong: true);
        }

        try
        {
            var text = reader.GetString()!;
            return new(token, text, TooLong: text.Length > maxChars);
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (e.g. "\uD800") is valid JSON but not a valid string.
            return new(token, InvalidText: true);
        }
    }

    private static FieldValue ReadRaw(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        var start = checked((int)reader.TokenStartIndex);
        reader.Skip();
        return new(token, RawStart: start, RawLength: checked((int)reader.BytesConsumed) - start);
    }
}
