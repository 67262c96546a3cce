using Grpc.Core;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Hosting;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// daprd's HTTP API, as far as the SDK and operators use it: health (what
/// <c>WaitForSidecarAsync</c>/<c>CheckHealthAsync</c> call), metadata, and publish for curl users.
/// </summary>
public static class HttpApi
{
    public static void MapDaprHttpApi(this IEndpointRouteBuilder app)
    {
        // daprd answers 204 when healthy and 500 ERR_HEALTH_NOT_READY otherwise.
        app.MapGet("/v1.0/healthz", (SidecarReadiness readiness) => readiness.Ready ? Results.NoContent() : NotReady());
        app.MapGet("/v1.0/healthz/outbound", (SidecarReadiness readiness) => readiness.OutboundReady ? Results.NoContent() : NotReady());
        app.MapGet("/v1.0/metadata", (SidecarInfo sidecar, SubscriptionDirectory subscriptions) => Results.Json(new
        {
            id = sidecar.AppId,
            components = sidecar.Components.Select(c => new { name = c.Name, type = c.Type, version = c.Version }),
            subscriptions = subscriptions.Current.Select(s => new
            {
                pubsubname = s.Subscription.PubsubName,
                topic = s.Subscription.Topic,
                metadata = s.Subscription.Metadata,
                rules = s.Rules.Select(rule => new { match = rule.Match, path = rule.Path }),
                deadLetterTopic = s.Subscription.DeadLetterTopic,
                type = s.Type.ToString().ToUpperInvariant(),
            }),
        }));
        app.MapPost("/v1.0/publish/{pubsub}/{**topic}", PublishAsync);
    }

    private static async Task<IResult> PublishAsync(string pubsub, string topic, HttpRequest request, Publisher publisher, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var metadata = request.Query
            .Where(q => q.Key.StartsWith("metadata.", StringComparison.Ordinal))
            .ToDictionary(q => q.Key["metadata.".Length..], q => q.Value.ToString());
        try
        {
            await publisher.PublishAsync(
                new PublishedEvent(pubsub, topic, body.ToArray(), request.ContentType ?? ContentTypes.Json, metadata, request.Headers.TraceParent, request.Headers.TraceState),
                cancellationToken);
            return Results.NoContent();
        }
        catch (RpcException ex)
        {
            var (status, code) = ex.StatusCode switch
            {
                StatusCode.InvalidArgument when ex.Status.Detail.Contains("not found", StringComparison.Ordinal) => (404, "ERR_PUBSUB_NOT_FOUND"),
                StatusCode.InvalidArgument or StatusCode.FailedPrecondition => (400, "ERR_PUBSUB_BAD_REQUEST"),
                _ => (500, "ERR_PUBSUB_PUBLISH_MESSAGE"),
            };
            return Results.Json(new { errorCode = code, message = ex.Status.Detail }, statusCode: status);
        }
    }

    private static IResult NotReady() =>
        Results.Json(new { errorCode = "ERR_HEALTH_NOT_READY", message = "dapr is not ready" }, statusCode: 500);
}
