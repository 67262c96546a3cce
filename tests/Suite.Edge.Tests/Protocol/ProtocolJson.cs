using System.Text;
using System.Text.Json;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;

namespace Suite.Edge.Tests.Protocol;

internal static class ProtocolJson
{
    public static ParseResult Parse(string json, ProtocolLimits? limits = null) =>
        ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json), limits ?? ProtocolLimits.Default);

    public static T ParseAs<T>(string json) where T : ClientMessage
    {
        var result = Parse(json);
        Assert.True(result.IsSuccess, result.Error?.Message);
        return Assert.IsType<T>(result.Message);
    }

    public static ProtocolError ParseError(string json, ProtocolLimits? limits = null)
    {
        var result = Parse(json, limits);
        Assert.False(result.IsSuccess, $"{json} parsed as {result.Message}");
        return result.Error;
    }

    public static string Text(ReadOnlyMemory<byte> utf8) => Encoding.UTF8.GetString(utf8.Span);

    public static JsonElement Read(OutboundFrame frame)
    {
        using var document = JsonDocument.Parse(frame.Payload);
        return document.RootElement.Clone();
    }
}
