using System.Text.Json;
using Dapr;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Suite.Contracts.Edge.V1;

namespace Suite.Testing;

/// <summary>Subscriptions of test apps that record what crossed the broker, as JSON.</summary>
public static class TopicRecording
{
    /// <summary>
    /// Subscribes to <paramref name="topic"/> and hands each event's data to <paramref name="record"/>:
    /// the edge topics' deliveries (protobuf raw payloads; each delivery of a batch on its own) as their proto3 JSON mapping, anything else as sent.
    /// </summary>
    public static void MapRecorded(this IEndpointRouteBuilder app, string pubsub, string topic, Action<JsonElement> record)
    {
        var edgeTopic = topic.StartsWith("edge.", StringComparison.Ordinal);
        app.MapPost("/recorded/" + topic, async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            var bytes = body.ToArray();
            if (!edgeTopic)
            {
                Record(System.Text.Encoding.UTF8.GetString(bytes), record);
                return Results.Ok();
            }

            // A batch event is recorded as the deliveries it carries, in order.
            foreach (var delivery in EdgeDeliveryCodec.Unbatch(EdgeDeliveryCodec.Read(bytes)))
            {
                Record(JsonFormatter.Default.Format(delivery), record);
            }

            return Results.Ok();
        }).WithTopic(pubsub, topic, enableRawPayload: edgeTopic);
    }

    private static void Record(string json, Action<JsonElement> record)
    {
        using var document = JsonDocument.Parse(json);
        record(document.RootElement.Clone());
    }
}
