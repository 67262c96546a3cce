using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// Plays Dapr's part for one edge: POSTs EdgeDelivery JSON to the edge's /dapr/deliveries route (on its internal port),
/// inside a CloudEvent envelope as the sidecar sends it, or bare.
/// </summary>
internal sealed class DeliveryPublisher(EdgeTarget edge, HttpClient http, bool cloudEvent)
{
    private long _failed;

    public long Failed => Interlocked.Read(ref _failed);

    public string? LastFailure { get; private set; }

    public string EdgeId() => edge.EdgeId;

    /// <summary>The content of the frame every connection receives, {"type":"bench","content":"bench:n:t[:padding]","timestamp","id"}, as JSON.</summary>
    public static string Content(long n, long sentAtStopwatch, string padding) =>
        JsonSerializer.Serialize(BenchMarker.Create(n, sentAtStopwatch, padding));

    /// <summary>A delivery to every connection of the edge, in the structured form the edge renders once.</summary>
    public static EdgeDelivery Everyone(string edgeId, string messageId, string type, string? contentJson) => new()
    {
        EdgeId = edgeId,
        Everyone = true,
        Message = new ServerMessage
        {
            Id = messageId,
            Type = type,
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            ContentJson = contentJson is null ? ByteString.Empty : ByteString.CopyFromUtf8(contentJson),
        },
    };

    public async Task PublishAsync(EdgeDelivery delivery, CancellationToken cancellationToken)
    {
        var data = JsonFormatter.Default.Format(delivery);
        string body;
        string mediaType;
        if (cloudEvent)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteString("specversion", "1.0");
                w.WriteString("id", delivery.Message.Id);
                w.WriteString("source", "suite-load");
                w.WriteString("type", "com.dapr.event.sent");
                w.WriteString("topic", "edge." + edge.EdgeId);
                w.WriteString("pubsubname", "pubsub");
                w.WriteString("datacontenttype", "application/json");
                w.WritePropertyName("data");
                w.WriteRawValue(data);
                w.WriteEndObject();
            }

            body = Encoding.UTF8.GetString(stream.ToArray());
            mediaType = "application/cloudevents+json";
        }
        else
        {
            body = data;
            mediaType = "application/json";
        }

        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        try
        {
            using var response = await http.PostAsync(new Uri(edge.InternalUri ?? edge.HttpUri, "dapr/deliveries"), content, cancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            // Dapr's app contract: 2xx with no body or {"status":"SUCCESS"} is delivered; DROP and RETRY are not.
            if (!response.IsSuccessStatusCode || answer.Contains("DROP", StringComparison.Ordinal) || answer.Contains("RETRY", StringComparison.Ordinal))
            {
                Fail($"{(int)response.StatusCode} {answer}");
            }
        }
        catch (HttpRequestException ex)
        {
            Fail(ex.Message);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Fail("timeout: " + ex.Message);
        }
    }

    private void Fail(string reason)
    {
        Interlocked.Increment(ref _failed);
        LastFailure = reason;
    }
}
