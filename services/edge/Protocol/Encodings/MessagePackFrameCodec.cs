using System.Buffers;
using System.Text.Json;
using MessagePack;

namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// <c>gateway.v1.msgpack</c>: each frame one MessagePack map with exactly the JSON field names and
/// values (architecture.md), read and written with MessagePack's low-level reader and writer: no
/// serializer, no types of ours in between.
/// </summary>
internal sealed class MessagePackFrameCodec : IFrameCodec
{
    public FrameEncoding Encoding => FrameEncoding.MessagePack;

    public string Subprotocol => Subprotocols.MessagePack;

    public bool BinaryFrames => true;

    public ParseResult Parse(ReadOnlyMemory<byte> frame, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (frame.IsEmpty)
        {
            return Fail("The frame is empty.");
        }

        var fields = default(ClientFrameFields);
        ContentJson? content = null;
        try
        {
            var reader = new MessagePackReader(frame);
            if (reader.NextMessagePackType != MessagePackType.Map)
            {
                return Fail($"The frame must be a MessagePack map, not {ClientFrameReader.Describe(TokenOf(reader.NextMessagePackType))}.");
            }

            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                if (reader.NextMessagePackType != MessagePackType.String)
                {
                    return Fail("The frame's keys must be strings.");
                }

                var key = Utf8(ref reader);
                ReadField(ref reader, key, limits, ref fields, ref content);
            }

            if (!reader.End)
            {
                return Fail("The frame must hold exactly one MessagePack map.");
            }

            if (content is not null)
            {
                fields.Content = content.Field(fields.Content.Token) with { Duplicate = fields.Content.Duplicate };
                fields.ContentProblem = content.Problem;
            }

            return ClientMessageParser.FromFields(fields, content is null ? default : content.Written, limits);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException or ArgumentOutOfRangeException)
        {
            return Fail($"Malformed MessagePack: {ex.Message}");
        }
        finally
        {
            content?.Dispose();
        }
    }

    public byte[] WriteServerFrame(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, JsonFrames.DocumentOptions);
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, document.RootElement);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One JSON value as MessagePack: integers in the 64-bit range as integers, other numbers as float64.</summary>
    public static void Write(ref MessagePackWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteMapHeader(JsonFrames.PropertyCount(value));
                foreach (var property in value.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Write(ref writer, property.Value);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Write(ref writer, item);
                }

                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var signed):
                writer.Write(signed);
                break;
            case JsonValueKind.Number when value.TryGetUInt64(out var unsigned):
                writer.Write(unsigned);
                break;
            case JsonValueKind.Number:
                writer.Write(JsonFrames.Double(value));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.Write(value.GetBoolean());
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    private static void ReadField(ref MessagePackReader reader, scoped ReadOnlySpan<byte> key, ProtocolLimits limits, ref ClientFrameFields fields, ref ContentJson? content)
    {
        switch (key)
        {
            case var _ when key.SequenceEqual("type"u8):
                ClientFrameReader.Store(ref fields.Type, reader.NextMessagePackType == MessagePackType.String
                    ? BinaryFields.Type(Utf8(ref reader), ref fields.TypeName)
                    : Skip(ref reader));
                break;
            case var _ when key.SequenceEqual("id"u8):
                ClientFrameReader.Store(ref fields.Id, Text(ref reader, limits.MaxIdLength));
                break;
            case var _ when key.SequenceEqual("roomId"u8):
                ClientFrameReader.Store(ref fields.RoomId, Text(ref reader, limits.MaxIdLength));
                break;
            case var _ when key.SequenceEqual("content"u8):
                if (fields.Content.IsPresent)
                {
                    ClientFrameReader.Store(ref fields.Content, Skip(ref reader));
                }
                else
                {
                    content = new ContentJson(limits);
                    fields.Content = new(TokenOf(reader.NextMessagePackType));
                    ToJson(ref reader, content, depth: 2);
                }

                break;
            case var _ when key.SequenceEqual("to"u8):
                ClientFrameReader.Store(ref fields.To, Text(ref reader, limits.MaxIdLength));
                break;
            case var _ when key.SequenceEqual("channel"u8):
                ClientFrameReader.Store(ref fields.Channel, Text(ref reader, limits.MaxIdLength));
                break;
            case var _ when key.SequenceEqual("token"u8):
                ClientFrameReader.Store(ref fields.Token, Text(ref reader, limits.MaxTokenLength));
                break;
            case var _ when key.SequenceEqual("since"u8):
                ReadSince(ref reader, ref fields);
                break;
            case var _ when key.SequenceEqual("limit"u8):
                ClientFrameReader.Store(ref fields.Limit, Integer(ref reader));
                break;
            case var _ when key.SequenceEqual("before"u8):
                ClientFrameReader.Store(ref fields.Before, Integer(ref reader));
                break;
            case var _ when key.SequenceEqual("ids"u8):
                ReadIds(ref reader, limits, ref fields);
                break;
            default:
                Skip(ref reader);
                break;
        }
    }

    // A repeated `since` is only marked, as in JSON; keys that are not strings are skipped with their values.
    private static void ReadSince(ref MessagePackReader reader, ref ClientFrameFields fields)
    {
        if (reader.NextMessagePackType != MessagePackType.Map || fields.Since.IsPresent)
        {
            ClientFrameReader.Store(ref fields.Since, Skip(ref reader));
            return;
        }

        fields.Since = new(JsonTokenType.StartObject);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                Skip(ref reader);
                Skip(ref reader);
                continue;
            }

            var key = Utf8(ref reader);
            if (key.SequenceEqual("seq"u8))
            {
                ClientFrameReader.Store(ref fields.SinceSeq, Integer(ref reader));
            }
            else if (key.SequenceEqual("epoch"u8))
            {
                ClientFrameReader.Store(ref fields.SinceEpoch, Text(ref reader, ProtocolLimits.MaxEpochLength));
            }
            else
            {
                Skip(ref reader);
            }
        }
    }

    private static void ReadIds(ref MessagePackReader reader, ProtocolLimits limits, ref ClientFrameFields fields)
    {
        if (reader.NextMessagePackType != MessagePackType.Array || fields.Ids.IsPresent)
        {
            ClientFrameReader.Store(ref fields.Ids, Skip(ref reader));
            return;
        }

        fields.Ids = new(JsonTokenType.StartArray);
        var ids = fields.IdList = [];
        var count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++)
        {
            // Past a problem or the limit the rest is skipped undecoded, as in JSON.
            if (fields.IdsProblem is not null || ids.Count >= limits.MaxAckIds)
            {
                BinaryFields.AddId(ref fields, default, limits);
                Skip(ref reader);
                continue;
            }

            BinaryFields.AddId(ref fields, Text(ref reader, limits.MaxAckIdLength), limits);
        }
    }

    private static FieldValue Text(ref MessagePackReader reader, int maxChars) =>
        reader.NextMessagePackType == MessagePackType.String ? BinaryFields.Text(Utf8(ref reader), maxChars) : Skip(ref reader);

    // A non-negative integer (MessagePack has no fraction to refuse: a float is never one).
    private static FieldValue Integer(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            return Skip(ref reader);
        }

        if (reader.NextCode == MessagePackCode.UInt64)
        {
            return BinaryFields.Number(reader.ReadUInt64());
        }

        var value = reader.ReadInt64();
        return BinaryFields.Number(value >= 0 ? (ulong)value : null);
    }

    // ReadStringSequence checks the length against what is left (TryReadStringSpan throws
    // ArgumentOutOfRangeException for a string cut short, found by the fuzz target); a frame is one
    // segment, so this copies nothing.
    private static ReadOnlySpan<byte> Utf8(ref MessagePackReader reader) =>
        reader.ReadStringSequence() is { } sequence ? (sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray()) : default;

    /// <summary>Skips one value of any kind, its nesting bounded like JSON's; returns its kind.</summary>
    private static FieldValue Skip(ref MessagePackReader reader)
    {
        var token = TokenOf(reader.NextMessagePackType);
        SkipValue(ref reader, depth: 2);
        return new(token);
    }

    private static void SkipValue(ref MessagePackReader reader, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                CheckDepth(depth);
                var items = reader.ReadArrayHeader();
                for (var i = 0; i < items; i++)
                {
                    SkipValue(ref reader, depth + 1);
                }

                break;
            case MessagePackType.Map:
                CheckDepth(depth);
                var entries = reader.ReadMapHeader();
                for (var i = 0; i < entries; i++)
                {
                    SkipValue(ref reader, depth + 1);
                    SkipValue(ref reader, depth + 1);
                }

                break;
            default:
                reader.Skip();
                break;
        }
    }

    // Once the conversion cannot go on (a value JSON cannot carry, or past the limit) the rest of the
    // value is skipped unwritten, so the fields after it are still read.
    private static void ToJson(ref MessagePackReader reader, ContentJson json, int depth)
    {
        if (!json.CanGoOn)
        {
            SkipValue(ref reader, depth);
            return;
        }

        var writer = json.Writer;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64:
                writer.WriteNumberValue(reader.ReadUInt64());
                break;
            case MessagePackType.Integer:
                writer.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                var number = reader.ReadDouble();
                if (double.IsFinite(number))
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    json.Problem = ContentJson.NonFinite(number);
                }

                break;
            case MessagePackType.String:
                var text = Utf8(ref reader);
                if (System.Text.Unicode.Utf8.IsValid(text))
                {
                    writer.WriteStringValue(text);
                }
                else
                {
                    json.Problem = "Field 'content' holds text that is not valid UTF-8.";
                }

                break;
            case MessagePackType.Array:
                CheckDepth(depth);
                var items = reader.ReadArrayHeader();
                writer.WriteStartArray();
                for (var i = 0; i < items; i++)
                {
                    ToJson(ref reader, json, depth + 1);
                }

                if (json.CanGoOn)
                {
                    writer.WriteEndArray();
                }

                break;
            case MessagePackType.Map:
                CheckDepth(depth);
                var entries = reader.ReadMapHeader();
                writer.WriteStartObject();
                for (var i = 0; i < entries; i++)
                {
                    if (!json.CanGoOn || reader.NextMessagePackType != MessagePackType.String)
                    {
                        json.Problem ??= "Field 'content' holds a map key that is not a string, which JSON cannot carry.";
                        SkipValue(ref reader, depth + 1);
                        SkipValue(ref reader, depth + 1);
                        continue;
                    }

                    var name = Utf8(ref reader);
                    if (!System.Text.Unicode.Utf8.IsValid(name))
                    {
                        json.Problem = "Field 'content' holds a key that is not valid UTF-8.";
                        SkipValue(ref reader, depth + 1);
                        continue;
                    }

                    writer.WritePropertyName(name);
                    ToJson(ref reader, json, depth + 1);
                }

                if (json.CanGoOn)
                {
                    writer.WriteEndObject();
                }

                break;
            default:
                json.Problem = "Field 'content' holds MessagePack binary or extension data, which has no JSON value.";
                reader.Skip();
                break;
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > ContentJson.MaxDepth)
        {
            throw new MessagePackSerializationException($"the frame is nested deeper than {ContentJson.MaxDepth} levels.");
        }
    }

    private static JsonTokenType TokenOf(MessagePackType type) => type switch
    {
        MessagePackType.Nil => JsonTokenType.Null,
        MessagePackType.Boolean => JsonTokenType.True,
        MessagePackType.Integer or MessagePackType.Float => JsonTokenType.Number,
        MessagePackType.String => JsonTokenType.String,
        MessagePackType.Array => JsonTokenType.StartArray,
        MessagePackType.Map => JsonTokenType.StartObject,
        _ => JsonTokenType.Comment,
    };

    // The JSON protocol's code for a frame that cannot be read at all; the message names the encoding.
    private static ParseResult Fail(string message) => ParseResult.Failure(new(ErrorCodes.InvalidJson, message));
}
