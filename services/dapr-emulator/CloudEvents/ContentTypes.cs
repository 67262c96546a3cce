namespace Suite.DaprEmulator.CloudEvents;

/// <summary>How daprd decides where a payload goes in the envelope: <c>data</c> as JSON, <c>data_base64</c>, or <c>data</c> as text.</summary>
public static class ContentTypes
{
    public const string CloudEventsJson = "application/cloudevents+json";
    public const string Json = "application/json";
    public const string OctetStream = "application/octet-stream";

    public static string MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    public static bool IsCloudEvent(string contentType) => MediaType(contentType) == CloudEventsJson;

    public static bool IsJson(string contentType)
    {
        var media = MediaType(contentType);
        return media == Json || media == "text/json" || media.EndsWith("+json", StringComparison.Ordinal);
    }

    // daprd only treats octet-stream as binary; the other binary encodings the suite speaks
    // (protobuf, CBOR, MessagePack) are added so they are not mangled into a text field.
    public static bool IsBinary(string contentType) => MediaType(contentType) switch
    {
        OctetStream or "application/x-protobuf" or "application/protobuf" or "application/cbor"
            or "application/msgpack" or "application/x-msgpack" or "application/vnd.msgpack" => true,
        _ => false,
    };
}
