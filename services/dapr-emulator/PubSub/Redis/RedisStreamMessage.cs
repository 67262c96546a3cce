using System.Text.Json;
using StackExchange.Redis;

namespace Suite.DaprEmulator.PubSub.Redis;

// One stream entry as pubsub.redis writes it: fields data and, optionally, metadata.
internal sealed record RedisStreamMessage(string Id, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata)
{
    public const string DataField = "data";
    public const string MetadataField = "metadata";

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public static RedisStreamMessage FromFields(string id, IEnumerable<(RedisValue Name, RedisValue Value)> fields)
    {
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        var metadata = NoMetadata;
        foreach (var (name, value) in fields)
        {
            if (name == DataField)
            {
                data = (byte[]?)value ?? [];
            }
            else if (name == MetadataField && !value.IsNullOrEmpty)
            {
                metadata = DecodeMetadata(value!);
            }
        }

        return new RedisStreamMessage(id, data, metadata);
    }

    public static string EncodeMetadata(IReadOnlyDictionary<string, string> metadata) => JsonSerializer.Serialize(metadata);

    private static IReadOnlyDictionary<string, string> DecodeMetadata(string json)
    {
        // Entries written by other producers may carry anything; a message is still worth delivering
        // without its metadata, as contrib does when it cannot unmarshal the field.
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? NoMetadata;
        }
        catch (JsonException)
        {
            return NoMetadata;
        }
    }
}
