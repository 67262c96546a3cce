using Dapr;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Notification.Intake;

/// <summary>
/// The <c>notifications</c> subscription. Outcomes for Dapr: a published or duplicate event is
/// acknowledged; an invalid one is acknowledged after its DeadLetter is published (retrying cannot
/// make it valid, and Dapr's own dead-letter topic keeps no reason); presence, room or broker
/// trouble answers RETRY so the inbound resiliency policy tries again, until the last attempt
/// (<see cref="NotificationOptions.DeliveryAttempts"/>), on which the app puts the event in
/// <see cref="DaprNames.NotificationsUndeliveredTopic"/> with its reason and acknowledges it; a dead
/// letter that cannot be published answers 500, so the event is never silently lost. What the sidecar cannot deliver
/// within its inbound retries (this app down, or trouble that outlasts them) it forwards to the
/// subscription's dead-letter topic <see cref="DaprNames.NotificationsUndeliveredTopic"/> instead of
/// acknowledging it away (pubsub.redis acknowledges a failed delivery since Dapr 1.17).
/// </summary>
public static class NotificationTopic
{
    public const string Route = "/dapr/notifications";

    private const string CloudEventIdHeader = "Cloudevent.id";
    private const string CloudEventSourceHeader = "Cloudevent.source";
    private const string CloudEventTypeHeader = "Cloudevent.type";

    /// <summary>
    /// UseCloudEvents, also passing the envelope's id and source as headers: a DeadLetter names the
    /// rejected CloudEvent so the publisher can find it.
    /// </summary>
    public static IApplicationBuilder UseNotificationCloudEvents(this IApplicationBuilder app) =>
        app.UseCloudEvents(new CloudEventsMiddlewareOptions
        {
            ForwardCloudEventPropertiesAsHeaders = true,
            IncludedCloudEventPropertiesAsHeaders = ["id", "source", "type"],
        });

    public static IEndpointRouteBuilder MapNotificationTopic(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, HandleAsync).WithTopic(new TopicOptions
        {
            PubsubName = DaprNames.PubSub,
            Name = DaprNames.NotificationsTopic,
            DeadLetterTopic = DaprNames.NotificationsUndeliveredTopic,
        });
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpRequest request,
        NotificationValidator validator,
        NotificationPipeline pipeline,
        SidecarClient sidecar,
        FailedDeliveries failures,
        NotificationMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(NotificationTopic).FullName!);
        var cancellationToken = request.HttpContext.RequestAborted;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var cloudEventId = request.Headers[CloudEventIdHeader].ToString();
        var source = request.Headers[CloudEventSourceHeader].ToString();

        var (evt, content, error) = NotificationIntake.Parse(body);
        error ??= validator.Validate(evt!) ?? validator.ValidateContent(content!) ?? validator.ValidateEventSize(evt!);
        if (error is not null)
        {
            var deadLetter = new DeadLetter
            {
                Reason = error.Describe(),
                Data = body,
                EventId = cloudEventId,
                EventSource = source,
                ReceivedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            };
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(JsonFormatter.Default.Format(deadLetter));
                await sidecar.PublishJsonAsync(DaprNames.PubSub, DaprNames.NotificationsDeadLetterTopic, json.RootElement, cancellationToken);
            }
            catch (DaprException e)
            {
                NotificationLog.DeadLetterFailed(logger, e, cloudEventId);
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            }

            metrics.EventsDeadLettered.Add(1, new KeyValuePair<string, object?>("reason", error.Code));
            NotificationLog.DeadLettered(logger, cloudEventId, source, deadLetter.Reason);
            return Results.Ok();
        }

        if (evt!.Id.Length == 0)
        {
            evt.Id = DerivedEventId.For(source, cloudEventId, body);
        }

        try
        {
            await pipeline.PublishAsync(evt, content!, "topic", cancellationToken);
            failures.Succeeded(evt.Id);
            return Results.Ok();
        }
        catch (UpstreamUnavailableException e)
        {
            if (!failures.IsLastAttempt(evt.Id))
            {
                metrics.EventsRetried.Add(1, new KeyValuePair<string, object?>("source", "topic"));
                NotificationLog.Retry(logger, evt.Id, e.Message);
                return Results.Json(new { status = "RETRY" });
            }

            // The sidecar's last attempt: after it the sidecar would dead-letter the event itself, with
            // no reason. Given up here, the dead letter says why.
            var reason = $"unavailable: {e.Message}";
            var undelivered = UndeliveredEvent.Json(cloudEventId, source, request.Headers[CloudEventTypeHeader].ToString(), body, reason);
            try
            {
                await sidecar.PublishAsync(DaprNames.PubSub, DaprNames.NotificationsUndeliveredTopic, undelivered, UndeliveredEvent.ContentType, null, cancellationToken);
            }
            catch (DaprException publishFailed)
            {
                NotificationLog.GiveUpFailed(logger, publishFailed, evt.Id);
                return Results.Json(new { status = "RETRY" });
            }

            metrics.EventsGivenUp.Add(1);
            NotificationLog.GaveUp(logger, evt.Id, reason);
            return Results.Ok();
        }
    }
}
