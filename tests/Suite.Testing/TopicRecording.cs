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
    /// the edge topics' deliveries (protobuf raw payloads) as their proto3 JSON mapping, anything else as sent.
    /// </summary>
    public static void MapRecorded(this IEndpointRouteBuilder app, string pubsub, string topic, Action<JsonElement> record)
    {
        var edgeTopic = topic.StartsWith("edge.", StringComparison.Ordinal);
        app.MapPost("/recorded/" + topic, async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            var bytes = body.ToArray();
            var json = edgeTopic ? JsonFormatter.Default.Format(EdgeDeliveryCodec.Read(bytes)) : System.Text.Encoding.UTF8.GetString(bytes);
            using var document = JsonDocument.Parse(json);
            record(document.RootElement.Clone());
            return Results.Ok();
        }).WithTopic(pubsub, topic, enableRawPayload: edgeTopic);
    }
}
