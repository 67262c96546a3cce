using System.Formats.Cbor;
using System.Globalization;
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

    // A ServerFrame back into the JSON frame it stands for: protobuf's JSON mapping, then the
    // protocol's own choices (64-bit integers as numbers, `extra` merged into the frame).
    private static class ProtobufJson
    {
        private static readonly HashSet<string> Integers = new(StringComparer.Ordinal)
        {
            "timestamp", "seq", "heartbeatIntervalMs", "tokenExpiresAt", "ts", "retryAfterMs", "missed",
        };

        private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

        public static JsonObject ToJson(ServerFrame frame)
        {
            var mapped = JsonNode.Parse(Formatter.Format(frame))!.AsObject();
            var result = new JsonObject();
            foreach (var (name, value) in mapped.ToList())
            {
                mapped.Remove(name);
                switch (name)
                {
                    case "extra":
                        foreach (var (extraName, extraValue) in value!.AsObject().ToList())
                        {
                            value.AsObject().Remove(extraName);
                            result[extraName] = extraValue;
                        }

                        break;
                    case "messages":
                        result[name] = new JsonArray([.. frame.Messages.Select(m => (JsonNode)ToJson(m))]);
                        break;
                    case var _ when Integers.Contains(name):
                        result[name] = JsonValue.Create(decimal.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture));
                        break;
                    default:
                        result[name] = value;
                        break;
                }
            }

            // A history frame with no messages has none on the wire (client.proto).
            if (frame.Type == "history" && !result.ContainsKey("messages"))
            {
                result["messages"] = new JsonArray();
            }

            return result;
        }
    }
}
