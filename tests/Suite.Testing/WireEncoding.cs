using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MessagePack;
using Suite.Contracts.Client.V1;

namespace Suite.Testing;

/// <summary>
/// A client's side of one encoding of protocol v1 (architecture.md, "Binary encodings by
/// subprotocol"): client frames written from their JSON, server frames read back into JSON. Written
/// apart from the edge's codecs, with the libraries' own conversions where they have them
/// (MessagePack's JSON converter, protobuf's JSON mapping), so a test checks the edge against an
/// independent reading of the contract.
/// </summary>
public sealed class WireEncoding
{
    private readonly Func<string, byte[]> _encodeClient;
    private readonly Func<byte[], string> _decodeServer;

    private WireEncoding(string subprotocol, Func<string, byte[]> encodeClient, Func<byte[], string> decodeServer)
    {
        Subprotocol = subprotocol;
        _encodeClient = encodeClient;
        _decodeServer = decodeServer;
    }

    public static WireEncoding Json { get; } = new("gateway.v1.json", Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

    public static WireEncoding MessagePack { get; } = new(
        "gateway.v1.msgpack",
        json => MessagePackSerializer.ConvertFromJson(json),
        MessagePackJson.ToJson);

    public static WireEncoding Cbor { get; } = new("gateway.v1.cbor", CborJson.FromJson, CborJson.ToJson);

    public static WireEncoding Protobuf { get; } = new(
        "gateway.v1.protobuf",
        json => JsonParser.Default.Parse<ClientFrame>(json).ToByteArray(),
        bytes => ProtobufJson.ToJson(ServerFrame.Parser.ParseFrom(bytes)).ToJsonString());

    public static IReadOnlyList<WireEncoding> All { get; } = [Json, MessagePack, Cbor, Protobuf];

    public static WireEncoding Named(string subprotocol) => All.Single(e => e.Subprotocol == subprotocol);

    public string Subprotocol { get; }

    /// <summary>True for the encodings that travel in binary WebSocket messages.</summary>
    public bool Binary => this != Json;

    public byte[] EncodeClientFrame(string json) => _encodeClient(json);

    public string DecodeServerFrame(byte[] frame) => _decodeServer(frame);

    public override string ToString() => Subprotocol;

    // MessagePack's own ConvertToJson leaves control characters unescaped, so frames are read here
    // with its reader instead.
    private static class MessagePackJson
    {
        public static string ToJson(byte[] frame)
        {
            var reader = new MessagePackReader(frame);
            var node = Read(ref reader);
            if (!reader.End)
            {
                throw new InvalidDataException("more than one MessagePack value in the frame");
            }

            return node?.ToJsonString() ?? "null";
        }

        private static JsonNode? Read(ref MessagePackReader reader)
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    var obj = new JsonObject();
                    var entries = reader.ReadMapHeader();
                    for (var i = 0; i < entries; i++)
                    {
                        var name = reader.ReadString()!;
                        obj[name] = Read(ref reader);
                    }

                    return obj;
                case MessagePackType.Array:
                    var array = new JsonArray();
                    var items = reader.ReadArrayHeader();
                    for (var i = 0; i < items; i++)
                    {
                        array.Add(Read(ref reader));
                    }

                    return array;
                case MessagePackType.String:
                    return JsonValue.Create(reader.ReadString());
                case MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64:
                    return JsonValue.Create(reader.ReadUInt64());
                case MessagePackType.Integer:
                    return JsonValue.Create(reader.ReadInt64());
                case MessagePackType.Float:
                    return JsonValue.Create(reader.ReadDouble());
                case MessagePackType.Boolean:
                    return JsonValue.Create(reader.ReadBoolean());
                case MessagePackType.Nil:
                    reader.ReadNil();
                    return null;
                default:
                    throw new InvalidDataException($"MessagePack {reader.NextMessagePackType} has no JSON value");
            }
        }
    }

    // JSON <-> CBOR through JsonNode: integers as CBOR integers, other numbers as doubles.
    private static class CborJson
    {
        public static byte[] FromJson(string json)
        {
            var writer = new CborWriter(CborConformanceMode.Lax);
            Write(writer, JsonNode.Parse(json));
            return writer.Encode();
        }

        public static string ToJson(byte[] cbor)
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var node = Read(reader);
            if (reader.BytesRemaining != 0)
            {
                throw new InvalidDataException("more than one CBOR value in the frame");
            }

            return node?.ToJsonString() ?? "null";
        }

        private static void Write(CborWriter writer, JsonNode? node)
        {
            switch (node)
            {
                case null:
                    writer.WriteNull();
                    break;
                case JsonObject obj:
                    writer.WriteStartMap(obj.Count);
                    foreach (var (name, value) in obj)
                    {
                        writer.WriteTextString(name);
                        Write(writer, value);
                    }

                    writer.WriteEndMap();
                    break;
                case JsonArray array:
                    writer.WriteStartArray(array.Count);
                    foreach (var item in array)
                    {
                        Write(writer, item);
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    var element = node.GetValue<JsonElement>();
                    switch (element.ValueKind)
                    {
                        case JsonValueKind.String:
                            writer.WriteTextString(element.GetString()!);
                            break;
                        case JsonValueKind.True or JsonValueKind.False:
                            writer.WriteBoolean(element.GetBoolean());
                            break;
                        case JsonValueKind.Number when element.TryGetInt64(out var integer):
                            writer.WriteInt64(integer);
                            break;
                        case JsonValueKind.Number when element.TryGetUInt64(out var unsigned):
                            writer.WriteUInt64(unsigned);
                            break;
                        case JsonValueKind.Number:
                            writer.WriteDouble(element.GetDouble());
                            break;
                        default:
                            writer.WriteNull();
                            break;
                    }

                    break;
            }
        }

        private static JsonNode? Read(CborReader reader)
        {
            switch (reader.PeekState())
            {
                case CborReaderState.StartMap:
                    var obj = new JsonObject();
                    reader.ReadStartMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        var name = reader.ReadTextString();
                        obj[name] = Read(reader);
                    }

                    reader.ReadEndMap();
                    return obj;
                case CborReaderState.StartArray:
                    var array = new JsonArray();
                    reader.ReadStartArray();
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        array.Add(Read(reader));
                    }

                    reader.ReadEndArray();
                    return array;
                case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                    return JsonValue.Create(reader.ReadTextString());
                case CborReaderState.UnsignedInteger:
                    return JsonValue.Create(reader.ReadUInt64());
                case CborReaderState.NegativeInteger:
                    return JsonValue.Create(reader.ReadInt64());
                case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                    return JsonValue.Create(reader.ReadDouble());
                case CborReaderState.Boolean:
                    return JsonValue.Create(reader.ReadBoolean());
                case CborReaderState.Null:
                    reader.ReadNull();
                    return null;
                default:
                    throw new InvalidDataException($"CBOR {reader.PeekState()} has no JSON value");
            }
        }
    }

    // A ServerFrame back into the JSON frame it stands for, through the schema's descriptor: each set
    // field under its JSON name, `extra` merged into the frame. (Protobuf's JsonFormatter would do
    // most of it, but refuses a Struct with an empty key, which JSON content may have.)
    private static class ProtobufJson
    {
        public static JsonObject ToJson(ServerFrame frame)
        {
            var result = new JsonObject();
            foreach (var field in ServerFrame.Descriptor.Fields.InFieldNumberOrder())
            {
                var value = field.Accessor.GetValue(frame);
                if (field.IsMap)
                {
                    foreach (var (name, extra) in frame.Extra)
                    {
                        result[name] = FromValue(extra);
                    }
                }
                else if (field.IsRepeated)
                {
                    var list = (System.Collections.IList)value;
                    if (list.Count > 0 || (field.JsonName == "messages" && frame.Type == "history"))
                    {
                        result[field.JsonName] = new JsonArray([.. list.Cast<object>().Select(item => item is ServerFrame message ? (JsonNode?)ToJson(message) : JsonValue.Create((string)item))]);
                    }
                }
                else if (field.HasPresence ? field.Accessor.HasValue(frame) : value is not null)
                {
                    result[field.JsonName] = value switch
                    {
                        string text => JsonValue.Create(text),
                        long number => JsonValue.Create(number),
                        ulong number => JsonValue.Create(number),
                        bool flag => JsonValue.Create(flag),
                        Google.Protobuf.WellKnownTypes.Value content => FromValue(content),
                        _ => throw new InvalidDataException($"field {field.Name} of an unexpected type"),
                    };
                }
            }

            return result;
        }

        private static JsonNode? FromValue(Google.Protobuf.WellKnownTypes.Value value) => value.KindCase switch
        {
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StructValue => new JsonObject(value.StructValue.Fields.Select(f => KeyValuePair.Create(f.Key, FromValue(f.Value)))),
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.ListValue => new JsonArray([.. value.ListValue.Values.Select(FromValue)]),
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue => JsonValue.Create(value.StringValue),
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NumberValue => JsonValue.Create(value.NumberValue),
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.BoolValue => JsonValue.Create(value.BoolValue),
            Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NullValue => null,
            _ => throw new InvalidDataException("a Value with no kind"),
        };
    }
}
