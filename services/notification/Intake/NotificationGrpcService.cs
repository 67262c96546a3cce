using Google.Protobuf;
using Grpc.Core;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Delivery;
using Suite.Notification.Upstream;

namespace Suite.Notification.Intake;

/// <summary>NotificationService.Publish: the same rules and pipeline as the topic, with gRPC status codes.</summary>
public sealed class NotificationGrpcService(
    NotificationValidator validator,
    NotificationPipeline pipeline,
    NotificationMetrics metrics,
    ILogger<NotificationGrpcService> logger) : NotificationService.NotificationServiceBase
{
    public override async Task<PublishResponse> Publish(NotificationEvent request, ServerCallContext context)
    {
        var error = validator.Validate(request);
        string? content = null;
        if (error is null)
        {
            try
            {
                content = CompactJson.From(JsonFormatter.Default.Format(request.Payload.Content));
            }
            catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException or ArgumentException)
            {
                error = new ValidationError("invalid_content", "payload.content", "not representable as JSON (NaN or infinity?)");
            }
        }

        if (error is not null)
        {
            metrics.EventsRejected.Add(1, new KeyValuePair<string, object?>("reason", error.Code));
            NotificationLog.Rejected(logger, error.Describe());
            throw new RpcException(new Status(StatusCode.InvalidArgument, error.Describe()));
        }

        try
        {
            return await pipeline.PublishAsync(request, content!, "grpc", context.CancellationToken);
        }
        catch (UpstreamUnavailableException e)
        {
            metrics.EventsRetried.Add(1, new KeyValuePair<string, object?>("source", "grpc"));
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }
}
