using System.Text.Json;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>What the test app saw of one delivery: the CloudEvent attributes and the data.</summary>
public sealed record ReceivedEvent(string Route, string AppName, JsonElement CloudEvent)
{
    public string Id => CloudEvent.GetProperty("id").GetString()!;

    public string DataText => CloudEvent.TryGetProperty("data", out var data) ? data.ToString() : "";

    public T Data<T>() => CloudEvent.GetProperty("data").Deserialize<T>(JsonSerializerOptions.Web)!;
}
