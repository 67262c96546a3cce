using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Client.V1;

namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// <c>gateway.v1.protobuf</c>: <c>ClientFrame</c> and <c>ServerFrame</c> of protos/client.proto, each
/// field the JSON field of the same name; <c>content</c> is a google.protobuf.Value.
/// </summary>
internal sealed class ProtobufFrameCodec : IFrameCodec
{
    // Unknown fields are ignored, as unknown JSON properties are, and not kept in memory.
    private static readonly MessageParser<ClientFrame> Parser = ClientFrame.Parser.WithDiscardUnknownFields(true);

    public FrameEncoding Encoding => FrameEncoding.Protobuf;

    public string Subprotocol => Subprotocols.Protobuf;

    public bool BinaryFrames => true;

    public ParseResult Parse(ReadOnlyMemory<byte> frame, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ClientFrame message;
        try
        {
            message = Parser.ParseFrom(frame.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Fail($"Malformed Protobuf: {ex.Message}");
        }

        var fields = default(ClientFrameFields);
        if (message.HasType)
        {
            fields.Type = BinaryFields.Type(System.Text.Encoding.UTF8.GetBytes(message.Type), ref fields.TypeName);
        }

        fields.Id = Text(message.HasId, message.Id, limits.MaxIdLength);
        fields.Token = Text(message.HasToken, message.Token, limits.MaxTokenLength);
        fields.RoomId = Text(message.HasRoomId, message.RoomId, limits.MaxIdLength);
        fields.To = Text(message.HasTo, message.To, limits.MaxIdLength);
        fields.Channel = Text(message.HasChannel, message.Channel, limits.MaxIdLength);
        if (message.Since is { } since)
        {
            fields.Since = new(JsonTokenType.StartObject);
            fields.SinceSeq = since.HasSeq ? BinaryFields.Number(since.Seq) : default;
            fields.SinceEpoch = Text(since.HasEpoch, since.Epoch, ProtocolLimits.MaxEpochLength);
        }

        fields.Limit = message.HasLimit ? BinaryFields.Number(message.Limit) : default;
        fields.Before = message.HasBefore ? BinaryFields.Number(message.Before) : default;
        if (message.Ids.Count > 0)
        {
            fields.Ids = new(JsonTokenType.StartArray);
            fields.IdList = [];
            foreach (var id in message.Ids)
            {
                BinaryFields.AddId(ref fields, BinaryFields.Text(id, limits.MaxAckIdLength), limits);
            }
        }

        if (message.Content is not { } value)
        {
            return ClientMessageParser.FromFields(fields, default, limits);
        }

        using var content = new ContentJson(limits);
        try
        {
            ToJson(value, content, depth: 2);
        }
        catch (InvalidDataException ex)
        {
            return Fail($"Malformed Protobuf: {ex.Message}");
        }

        fields.Content = content.Field(TokenOf(value));
        fields.ContentProblem = content.Problem;
        return ClientMessageParser.FromFields(fields, content.Written, limits);
    }

    public byte[] WriteServerFrame(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, JsonFrames.DocumentOptions);
        return ToServerFrame(document.RootElement).ToByteArray();
    }

    /// <summary>
    /// The ServerFrame of a JSON frame: each property into the field of its name when its value fits
    /// the field's type, else into <c>extra</c>, so nothing of the frame is lost.
    /// </summary>
    public static ServerFrame ToServerFrame(JsonElement json)
    {
        var frame = new ServerFrame();
        foreach (var property in json.EnumerateObject())
        {
            if (!TrySet(frame, property.Name, property.Value))
            {
                frame.Extra[property.Name] = ToValue(property.Value);
            }
        }

        return frame;
    }

    /// <summary>A JSON value as google.protobuf.Value (numbers become doubles).</summary>
    public static Value ToValue(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Object => Value.ForStruct(ToStruct(json)),
        JsonValueKind.Array => Value.ForList([.. json.EnumerateArray().Select(ToValue)]),
        JsonValueKind.String => Value.ForString(json.GetString()!),
        JsonValueKind.Number => Value.ForNumber(JsonFrames.Double(json)),
        JsonValueKind.True or JsonValueKind.False => Value.ForBool(json.GetBoolean()),
        _ => Value.ForNull(),
    };

    private static Struct ToStruct(JsonElement json)
    {
        var result = new Struct();
        foreach (var property in json.EnumerateObject())
        {
            result.Fields[property.Name] = ToValue(property.Value);
        }

        return result;
    }

    private static bool TrySet(ServerFrame frame, string name, JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var isNumber = value.ValueKind == JsonValueKind.Number;
        var isBool = value.ValueKind is JsonValueKind.True or JsonValueKind.False;
        long number = 0;
        switch (name)
        {
            case "content":
                frame.Content = ToValue(value);
                return true;
            case "ids" when value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(id => id.ValueKind == JsonValueKind.String):
                frame.Ids.AddRange(value.EnumerateArray().Select(id => id.GetString()!));
                return true;
            case "messages" when value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(m => m.ValueKind == JsonValueKind.Object):
                frame.Messages.AddRange(value.EnumerateArray().Select(ToServerFrame));
                return true;
            case "seq" when isNumber && value.TryGetUInt64(out var seq):
                frame.Seq = seq;
                return true;
            case "ack" when isBool:
                frame.Ack = value.GetBoolean();
                return true;
            case "recovered" when isBool:
                frame.Recovered = value.GetBoolean();
                return true;
            case "timestamp" or "heartbeatIntervalMs" or "tokenExpiresAt" or "ts" or "retryAfterMs" or "missed" when isNumber && value.TryGetInt64(out number):
                return SetNumber(frame, name, number);
            case not null when text is not null:
                return SetText(frame, name, text);
            default:
                return false;
        }
    }

    private static bool SetNumber(ServerFrame frame, string name, long number)
    {
        switch (name)
        {
            case "timestamp": frame.Timestamp = number; break;
            case "heartbeatIntervalMs": frame.HeartbeatIntervalMs = number; break;
            case "tokenExpiresAt": frame.TokenExpiresAt = number; break;
            case "ts": frame.Ts = number; break;
            case "retryAfterMs": frame.RetryAfterMs = number; break;
            default: frame.Missed = number; break;
        }

        return true;
    }

    private static bool SetText(ServerFrame frame, string name, string text)
    {
        switch (name)
        {
            case "type": frame.Type = text; break;
            case "id": frame.Id = text; break;
            case "userId": frame.UserId = text; break;
            case "roomId": frame.RoomId = text; break;
            case "from": frame.From = text; break;
            case "channel": frame.Channel = text; break;
            case "connectionId": frame.ConnectionId = text; break;
            case "reason": frame.Reason = text; break;
            case "ref": frame.Ref = text; break;
            case "code": frame.Code = text; break;
            case "message": frame.Message = text; break;
            case "epoch": frame.Epoch = text; break;
            default: return false;
        }

        return true;
    }

    private static FieldValue Text(bool present, string text, int maxChars) => present ? BinaryFields.Text(text, maxChars) : default;

    private static void ToJson(Value value, ContentJson json, int depth)
    {
        if (!json.CanGoOn)
        {
            return;
        }

        var writer = json.Writer;
        switch (value.KindCase)
        {
            case Value.KindOneofCase.NullValue:
                writer.WriteNullValue();
                break;
            case Value.KindOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case Value.KindOneofCase.NumberValue when double.IsFinite(value.NumberValue):
                writer.WriteNumberValue(value.NumberValue);
                break;
            case Value.KindOneofCase.NumberValue:
                json.Problem = ContentJson.NonFinite(value.NumberValue);
                break;
            case Value.KindOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case Value.KindOneofCase.ListValue:
                CheckDepth(depth);
                writer.WriteStartArray();
                foreach (var item in value.ListValue.Values)
                {
                    ToJson(item, json, depth + 1);
                }

                if (json.CanGoOn)
                {
                    writer.WriteEndArray();
                }

                break;
            case Value.KindOneofCase.StructValue:
                CheckDepth(depth);
                writer.WriteStartObject();
                foreach (var (name, item) in value.StructValue.Fields)
                {
                    if (!json.CanGoOn)
                    {
                        break;
                    }

                    writer.WritePropertyName(name);
                    ToJson(item, json, depth + 1);
                }

                if (json.CanGoOn)
                {
                    writer.WriteEndObject();
                }

                break;
            default:
                json.Problem = "Field 'content' holds a google.protobuf.Value with no kind set.";
                break;
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > ContentJson.MaxDepth)
        {
            throw new InvalidDataException($"the frame is nested deeper than {ContentJson.MaxDepth} levels.");
        }
    }

    private static JsonTokenType TokenOf(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.NullValue => JsonTokenType.Null,
        Value.KindOneofCase.BoolValue => JsonTokenType.True,
        Value.KindOneofCase.NumberValue => JsonTokenType.Number,
        Value.KindOneofCase.StringValue => JsonTokenType.String,
        Value.KindOneofCase.ListValue => JsonTokenType.StartArray,
        Value.KindOneofCase.StructValue => JsonTokenType.StartObject,
        _ => JsonTokenType.Comment,
    };

    // The JSON protocol's code for a frame that cannot be read at all; the message names the encoding.
    private static ParseResult Fail(string message) => ParseResult.Failure(new(ErrorCodes.InvalidJson, message));
}
