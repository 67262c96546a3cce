using System.Formats.Cbor;
using System.Text.Json;

namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// <c>gateway.v1.cbor</c>: each frame one CBOR (RFC 8949) map with exactly the JSON field names and
/// values (architecture.md). Read leniently (definite or indefinite lengths, any float width) and
/// written with definite lengths and the smallest integer forms.
/// </summary>
internal sealed class CborFrameCodec : IFrameCodec
{
    public FrameEncoding Encoding => FrameEncoding.Cbor;

    public string Subprotocol => Subprotocols.Cbor;

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
            var reader = new CborReader(frame, CborConformanceMode.Lax);
            var state = reader.PeekState();
            if (state != CborReaderState.StartMap)
            {
                return Fail($"The frame must be a CBOR map, not {ClientFrameReader.Describe(TokenOf(state))}.");
            }

            reader.ReadStartMap();
            while (reader.PeekState() != CborReaderState.EndMap)
            {
                if (!IsText(reader.PeekState()))
                {
                    return Fail("The frame's keys must be text strings.");
                }

                var key = reader.ReadTextString();
                ReadField(reader, key, limits, ref fields, ref content);
            }

            reader.ReadEndMap();
            if (reader.BytesRemaining > 0)
            {
                return Fail("The frame must hold exactly one CBOR map.");
            }

            if (content is not null)
            {
                fields.Content = content.Field(fields.Content.Token) with { Duplicate = fields.Content.Duplicate };
                fields.ContentProblem = content.Problem;
            }

            return ClientMessageParser.FromFields(fields, content is null ? default : content.Written, limits);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException)
        {
            return Fail($"Malformed CBOR: {ex.Message}");
        }
        finally
        {
            content?.Dispose();
        }
    }

    public byte[] WriteServerFrame(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, JsonFrames.DocumentOptions);
        var writer = new CborWriter(CborConformanceMode.Lax, initialCapacity: json.Length);
        Write(writer, document.RootElement);
        return writer.Encode();
    }

    /// <summary>One JSON value as CBOR: integers in the 64-bit range as integers, other numbers as floats.</summary>
    public static void Write(CborWriter writer, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartMap(JsonFrames.PropertyCount(value));
                foreach (var property in value.EnumerateObject())
                {
                    writer.WriteTextString(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndMap();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteTextString(value.GetString()!);
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var signed):
                writer.WriteInt64(signed);
                break;
            case JsonValueKind.Number when value.TryGetUInt64(out var unsigned):
                writer.WriteUInt64(unsigned);
                break;
            case JsonValueKind.Number:
                writer.WriteDouble(JsonFrames.Double(value));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(value.GetBoolean());
                break;
            default:
                writer.WriteNull();
                break;
        }
    }

    private static void ReadField(CborReader reader, string key, ProtocolLimits limits, ref ClientFrameFields fields, ref ContentJson? content)
    {
        switch (key)
        {
            case "type":
                ClientFrameReader.Store(ref fields.Type, IsText(reader.PeekState())
                    ? BinaryFields.Type(System.Text.Encoding.UTF8.GetBytes(reader.ReadTextString()), ref fields.TypeName)
                    : Skip(reader));
                break;
            case "id":
                ClientFrameReader.Store(ref fields.Id, Text(reader, limits.MaxIdLength));
                break;
            case "roomId":
                ClientFrameReader.Store(ref fields.RoomId, Text(reader, limits.MaxIdLength));
                break;
            case "content":
                if (fields.Content.IsPresent)
                {
                    ClientFrameReader.Store(ref fields.Content, Skip(reader));
                }
                else
                {
                    content = new ContentJson(limits);
                    fields.Content = new(TokenOf(reader.PeekState()));
                    ToJson(reader, content, depth: 2);
                }

                break;
            case "to":
                ClientFrameReader.Store(ref fields.To, Text(reader, limits.MaxIdLength));
                break;
            case "channel":
                ClientFrameReader.Store(ref fields.Channel, Text(reader, limits.MaxIdLength));
                break;
            case "token":
                ClientFrameReader.Store(ref fields.Token, Text(reader, limits.MaxTokenLength));
                break;
            case "since":
                ReadSince(reader, ref fields);
                break;
            case "limit":
                ClientFrameReader.Store(ref fields.Limit, Integer(reader));
                break;
            case "before":
                ClientFrameReader.Store(ref fields.Before, Integer(reader));
                break;
            case "ids":
                ReadIds(reader, limits, ref fields);
                break;
            default:
                Skip(reader);
                break;
        }
    }

    private static void ReadSince(CborReader reader, ref ClientFrameFields fields)
    {
        if (reader.PeekState() != CborReaderState.StartMap || fields.Since.IsPresent)
        {
            ClientFrameReader.Store(ref fields.Since, Skip(reader));
            return;
        }

        fields.Since = new(JsonTokenType.StartObject);
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            if (!IsText(reader.PeekState()))
            {
                Skip(reader);
                Skip(reader);
                continue;
            }

            switch (reader.ReadTextString())
            {
                case "seq":
                    ClientFrameReader.Store(ref fields.SinceSeq, Integer(reader));
                    break;
                case "epoch":
                    ClientFrameReader.Store(ref fields.SinceEpoch, Text(reader, ProtocolLimits.MaxEpochLength));
                    break;
                default:
                    Skip(reader);
                    break;
            }
        }

        reader.ReadEndMap();
    }

    private static void ReadIds(CborReader reader, ProtocolLimits limits, ref ClientFrameFields fields)
    {
        if (reader.PeekState() != CborReaderState.StartArray || fields.Ids.IsPresent)
        {
            ClientFrameReader.Store(ref fields.Ids, Skip(reader));
            return;
        }

        fields.Ids = new(JsonTokenType.StartArray);
        var ids = fields.IdList = [];
        reader.ReadStartArray();
        while (reader.PeekState() != CborReaderState.EndArray)
        {
            // Past a problem or the limit the rest is skipped undecoded, as in JSON.
            if (fields.IdsProblem is not null || ids.Count >= limits.MaxAckIds)
            {
                BinaryFields.AddId(ref fields, default, limits);
                Skip(reader);
                continue;
            }

            BinaryFields.AddId(ref fields, Text(reader, limits.MaxAckIdLength), limits);
        }

        reader.ReadEndArray();
    }

    private static FieldValue Text(CborReader reader, int maxChars) =>
        IsText(reader.PeekState()) ? BinaryFields.Text(reader.ReadTextString(), maxChars) : Skip(reader);

    private static FieldValue Integer(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.UnsignedInteger)
        {
            return BinaryFields.Number(reader.ReadUInt64());
        }

        return Skip(reader);
    }

    private static FieldValue Skip(CborReader reader)
    {
        var token = TokenOf(reader.PeekState());
        SkipValue(reader, depth: 2);
        return new(token);
    }

    // Its own walk rather than CborReader.SkipValue, to bound nesting (tags included) as JSON's is.
    private static void SkipValue(CborReader reader, int depth)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartArray:
                CheckDepth(depth);
                reader.ReadStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    SkipValue(reader, depth + 1);
                }

                reader.ReadEndArray();
                break;
            case CborReaderState.StartMap:
                CheckDepth(depth);
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    SkipValue(reader, depth + 1);
                }

                reader.ReadEndMap();
                break;
            case CborReaderState.Tag:
                CheckDepth(depth);
                reader.ReadTag();
                SkipValue(reader, depth + 1);
                break;
            default:
                reader.SkipValue();
                break;
        }
    }

    // Once the conversion cannot go on (a value JSON cannot carry, or past the limit) the rest of the
    // value is skipped unwritten, so the fields after it are still read.
    private static void ToJson(CborReader reader, ContentJson json, int depth)
    {
        if (!json.CanGoOn)
        {
            SkipValue(reader, depth);
            return;
        }

        var writer = json.Writer;
        var state = reader.PeekState();
        switch (state)
        {
            case CborReaderState.Null:
                reader.ReadNull();
                writer.WriteNullValue();
                break;
            case CborReaderState.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case CborReaderState.UnsignedInteger:
                writer.WriteNumberValue(reader.ReadUInt64());
                break;
            case CborReaderState.NegativeInteger:
                // -1 - n, where n may be as large as 2^64 - 1: past long's range decimal still holds it exactly.
                var n = reader.ReadCborNegativeIntegerRepresentation();
                if (n <= long.MaxValue)
                {
                    writer.WriteNumberValue(-1 - (long)n);
                }
                else
                {
                    writer.WriteNumberValue(-1m - n);
                }

                break;
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
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
            case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                writer.WriteStringValue(reader.ReadTextString());
                break;
            case CborReaderState.StartArray:
                CheckDepth(depth);
                reader.ReadStartArray();
                writer.WriteStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    ToJson(reader, json, depth + 1);
                }

                reader.ReadEndArray();
                if (json.CanGoOn)
                {
                    writer.WriteEndArray();
                }

                break;
            case CborReaderState.StartMap:
                CheckDepth(depth);
                reader.ReadStartMap();
                writer.WriteStartObject();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    if (!json.CanGoOn || !IsText(reader.PeekState()))
                    {
                        json.Problem ??= "Field 'content' holds a map key that is not a text string, which JSON cannot carry.";
                        SkipValue(reader, depth + 1);
                        SkipValue(reader, depth + 1);
                        continue;
                    }

                    writer.WritePropertyName(reader.ReadTextString());
                    ToJson(reader, json, depth + 1);
                }

                reader.ReadEndMap();
                if (json.CanGoOn)
                {
                    writer.WriteEndObject();
                }

                break;
            default:
                json.Problem = $"Field 'content' holds a CBOR {Name(state)}, which has no JSON value.";
                SkipValue(reader, depth);
                break;
        }
    }

    private static string Name(CborReaderState state) => state switch
    {
        CborReaderState.ByteString or CborReaderState.StartIndefiniteLengthByteString => "byte string",
        CborReaderState.Tag => "tag",
        _ => "simple value",
    };

    private static bool IsText(CborReaderState state) => state is CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString;

    private static void CheckDepth(int depth)
    {
        if (depth > ContentJson.MaxDepth)
        {
            throw new CborContentException($"the frame is nested deeper than {ContentJson.MaxDepth} levels.");
        }
    }

    private static JsonTokenType TokenOf(CborReaderState state) => state switch
    {
        CborReaderState.Null => JsonTokenType.Null,
        CborReaderState.Boolean => JsonTokenType.True,
        CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger or CborReaderState.HalfPrecisionFloat
            or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat => JsonTokenType.Number,
        CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString => JsonTokenType.String,
        CborReaderState.StartArray => JsonTokenType.StartArray,
        CborReaderState.StartMap => JsonTokenType.StartObject,
        _ => JsonTokenType.Comment,
    };

    // The JSON protocol's code for a frame that cannot be read at all; the message names the encoding.
    private static ParseResult Fail(string message) => ParseResult.Failure(new(ErrorCodes.InvalidJson, message));
}
