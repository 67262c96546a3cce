using System.Diagnostics;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Delivery;
using Microsoft.Extensions.Options;
using Suite.Notification.Idempotency;
using Suite.Notification.Inbox;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Notification;

/// <summary>
/// What happens to a valid event, whichever way it came: idempotency check and claim, the inbox for an
/// acknowledged one, resolution of the target to edges, one delivery per edge, publish, record. Throws
/// <see cref="UpstreamUnavailableException"/> when trying again later may succeed.
/// </summary>
public sealed class NotificationPipeline(
    EdgeTargetResolver resolver,
    DeliveryPublisher publisher,
    IdempotencyStore idempotency,
    InboxStore inbox,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    NotificationMetrics metrics,
    ILogger<NotificationPipeline> logger,
    ServiceTracing? tracing = null)
{
    /// <param name="contentJson">payload.content as compact JSON text.</param>
    /// <param name="source">"topic" or "grpc", for metrics.</param>
    public async Task<PublishResponse> PublishAsync(NotificationEvent evt, string contentJson, string source, CancellationToken cancellationToken)
    {
        // A child of the request that brought the event (the sidecar's delivery carries the business
        // publisher's traceparent, gRPC Publish its caller's); its deliveries carry this span on.
        using var span = tracing?.Source.StartActivity("notification.publish", ActivityKind.Internal);
        span?.SetTag("suite.notification.id", evt.Id);
        span?.SetTag("suite.notification.source", source);
        // Only gRPC Publish gets here without an id (the topic derives one from the CloudEvent): a gRPC
        // call is never redelivered, and a caller's own retry is a new call nobody can tell apart, so a
        // fresh id is right and there is nothing to record.
        var idempotent = evt.Id.Length > 0;
        var id = idempotent ? evt.Id : Guid.NewGuid().ToString("N");
        if (idempotent && await idempotency.FindAsync(id, cancellationToken) is { } first)
        {
            metrics.EventsDuplicate.Add(1, new KeyValuePair<string, object?>("source", source));
            NotificationLog.Duplicate(logger, id);
            return new PublishResponse { Id = id, EdgesTargeted = first.EdgesTargeted, Duplicate = true };
        }

        if (idempotent)
        {
            if (!await idempotency.TryClaimAsync(id, cancellationToken))
            {
                throw new UpstreamUnavailableException($"event {id} is being published by another delivery");
            }

            // Checked again under the claim: a successful delivery keeps its claim until it lapses, so
            // winning the claim means any earlier delivery has recorded the id by now, or died.
            if (await idempotency.FindAsync(id, cancellationToken) is { } recorded)
            {
                metrics.EventsDuplicate.Add(1, new KeyValuePair<string, object?>("source", source));
                NotificationLog.Duplicate(logger, id);
                return new PublishResponse { Id = id, EdgesTargeted = recorded.EdgesTargeted, Duplicate = true };
            }
        }

        List<EdgeDelivery> deliveries;
        try
        {
            var now = time.GetUtcNow();
            if (evt.Ack)
            {
                // Stored before anything is answered or published: once accepted, the item waits for
                // a device even if every delivery is lost or nobody is connected now.
                await inbox.AddAsync(evt.Users.Ids, InboxItems.Entry(evt, id, contentJson, now, options.Value.InboxItemTtl), cancellationToken);
            }

            var edges = await resolver.ResolveAsync(evt, cancellationToken);
            var message = DeliveryFactory.Message(evt, id, contentJson, now);
            deliveries = edges.Select(edge => DeliveryFactory.Create(evt, edge, message, now)).ToList();
            await publisher.PublishAsync(deliveries, cancellationToken);
        }
        catch (Exception) when (idempotent)
        {
            await ReleaseAsync(id);
            throw;
        }

        if (idempotent)
        {
            try
            {
                await idempotency.RecordAsync(id, new AcceptedRecord(deliveries.Count), cancellationToken);
            }
            catch (Exception e) when (e is Dapr.DaprException or OperationCanceledException)
            {
                NotificationLog.RecordFailed(logger, e, id);
            }
        }

        metrics.EventsAccepted.Add(1, new KeyValuePair<string, object?>("source", source));
        metrics.EdgesTargeted.Record(deliveries.Count);
        span?.SetTag("suite.edges", deliveries.Count);
        NotificationLog.Published(logger, id, evt.Payload.Type, deliveries.Count);
        return new PublishResponse { Id = id, EdgesTargeted = deliveries.Count };
    }

    // Best effort: a claim not given back expires after PublishClaimTimeout. Not the caller's token,
    // which may be the reason the publish stopped.
    private async Task ReleaseAsync(string id)
    {
        try
        {
            await idempotency.ReleaseAsync(id, CancellationToken.None);
        }
        catch (Dapr.DaprException e)
        {
            NotificationLog.ClaimNotReleased(logger, e, id);
        }
    }
}
