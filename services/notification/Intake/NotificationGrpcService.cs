using Google.Protobuf;
using Grpc.Core;
using Suite.Contracts.Notification.V1;
using Microsoft.Extensions.Options;
using Suite.Notification.Delivery;
using Suite.Notification.Inbox;
using Suite.Notification.Upstream;

namespace Suite.Notification.Intake;

/// <summary>
/// NotificationService: Publish (the same rules and pipeline as the topic, with gRPC status codes), and
/// the inbox's GetInbox and Ack for the edges. State store failures reach the caller as UNAVAILABLE
/// or ABORTED through the StateErrorInterceptor.
/// </summary>
public sealed class NotificationGrpcService(
    NotificationValidator validator,
    NotificationPipeline pipeline,
    InboxStore inbox,
    InboxAcks acks,
    IOptions<NotificationOptions> options,
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
                error = validator.ValidateContent(content) ?? validator.ValidateEventSize(request);
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

    public override async Task<GetInboxResponse> GetInbox(GetInboxRequest request, ServerCallContext context)
    {
        var max = options.Value.MaxIdLength;
        if (request.UserId.Length == 0 || request.UserId.Length > max)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"invalid_user: user_id: must be 1 to {max} characters"));
        }

        var pending = await inbox.PendingAsync(request.UserId, context.CancellationToken);
        return new GetInboxResponse { Items = { pending.Select(InboxItems.ToProto) } };
    }

    public override async Task<AckResponse> Ack(AckRequest request, ServerCallContext context)
    {
        if (acks.Validate(request) is { } error)
        {
            NotificationLog.Rejected(logger, error.Describe());
            throw new RpcException(new Status(StatusCode.InvalidArgument, error.Describe()));
        }

        try
        {
            return await acks.AckAsync(request, context.CancellationToken);
        }
        catch (UpstreamUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }
}
