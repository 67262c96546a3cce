using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Connections;
using Suite.Edge.Protocol;
using Suite.Edge.Resume;
using Suite.Edge.Routing;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Edge.Delivery;

/// <summary>
/// Expands one EdgeDelivery to this edge's local connections: the frame is encoded once and the
/// same instance goes to every target's send queue, and nothing here waits for a socket.
/// </summary>
public sealed partial class DeliveryDispatcher(
    LocalIndex<Connection> index,
    IOptions<EdgeOptions> edgeOptions,
    RecentMessageIds recent,
    RoomGapFill gaps,
    TimeProvider time,
    EdgeMetrics metrics,
    ILogger<DeliveryDispatcher> logger,
    ServiceTracing tracing)
{
    private const string SpanName = "edge deliver";
    private static readonly KeyValuePair<string, object?> NormalPriority = new("priority", "normal");
    private static readonly KeyValuePair<string, object?> HighPriority = new("priority", "high");

    private int _expanding;

    // CountDropped as the delegate a batch's sends report refused frames to (made once); the
    // connection itself closes on an overflow (Connection.SendAll), as it does for a single send.
    private Action<EnqueueOutcome>? _countDropped;

    /// <summary>
    /// Reads and dispatches one delivery's payload. False means drop it: an unreadable or unusable
    /// delivery stays so however often it is retried.
    /// </summary>
    public bool DispatchPayload(ReadOnlySpan<byte> payload, bool urgentTopic)
    {
        EdgeDelivery delivery;
        try
        {
            delivery = EdgeDeliveryCodec.Read(payload);
        }
        catch (InvalidDataException ex)
        {
            Count("unreadable");
            LogUnreadable(logger, ex);
            return false;
        }

        // A batch's frames for one connection go out together once the whole batch is expanded: a
        // room's user:joined notices for the joins of one commit cost each member one send(), not one each.
        var sends = delivery.Batch.Count > 1 ? new BatchSends() : null;

        // A batch is acknowledged once its usable deliveries are queued; unusable ones inside it are
        // counted and logged like any other (retrying the event would not make them usable).
        var usable = false;
        foreach (var one in EdgeDeliveryCodec.Unbatch(delivery))
        {
            usable |= Dispatch(one, urgentTopic, sends) is not null;
        }

        sends?.FlushAll(_countDropped ??= CountDropped);
        return usable;
    }

    /// <summary>Returns the number of connections the frame was queued for, or null when the delivery is unusable.</summary>
    public int? Dispatch(EdgeDelivery delivery, bool urgentTopic) => Dispatch(delivery, urgentTopic, sends: null);

    // With sends, frames that would go to the socket now are held for the batch's one write per connection.
    private int? Dispatch(EdgeDelivery delivery, bool urgentTopic, BatchSends? sends)
    {
        if (delivery.EdgeId != edgeOptions.Value.EdgeId || delivery.Batch.Count > 0 || delivery.Message is null
            || delivery.TargetCase == EdgeDelivery.TargetOneofCase.None)
        {
            Count("invalid");
            LogInvalid(logger, delivery.EdgeId, delivery.TargetCase.ToString());
            return null;
        }

        var expiresAt = delivery.ExpiresAt?.ToDateTimeOffset();
        if (expiresAt <= time.GetUtcNow())
        {
            Count("expired");
            return 0;
        }

        if (!string.IsNullOrEmpty(delivery.Message.Id) && !recent.TryAdd(delivery.Message.Id))
        {
            Count("duplicate");
            return 0;
        }

        if (Render(delivery) is not { } payload)
        {
            return null;
        }

        // Continues the publisher's trace (the room message, notification or direct message); one
        // span per delivery, and one per recipient's socket write only when this one is recorded.
        using var span = tracing.Enabled ? StartSpan(delivery) : null;
        var frame = new OutboundFrame(
            payload,
            delivery.Message.Type,
            string.IsNullOrEmpty(delivery.DroppableKey) ? null : delivery.DroppableKey,
            Urgent: urgentTopic || delivery.Priority == Priority.High,
            expiresAt)
        {
            DeliverySpan = span is { Recorded: true } ? span : null,
        };
        // Room messages go through a resuming connection's replay order (Resume/ReplayOrder).
        var sequencedRoom = delivery.TargetCase == EdgeDelivery.TargetOneofCase.RoomId && delivery.Message.Seq > 0 ? delivery.RoomId : null;

        // A seq past the next one holds the members for the missing ones (Resume/RoomGapFill). One
        // at or below the room's position is expanded under the room's lock, frame by frame, so a
        // gap fill's release cannot fall between the decision and the sends.
        int delivered;
        if (sequencedRoom is not null && gaps.Observe(sequencedRoom, delivery.Message.Seq))
        {
            sends?.FlushAll(_countDropped ??= CountDropped);
            // Static with its state: a capturing lambda would allocate on every delivery, late or not.
            var late = gaps.DeliverLate(
                sequencedRoom,
                delivery.Message.Seq,
                (Dispatcher: this, delivery, frame, sequencedRoom),
                static s => s.Dispatcher.FanOut(s.delivery, s.frame, s.sequencedRoom, sends: null));
            if (late is null)
            {
                Count("duplicate");
                return 0;
            }

            delivered = late.Value;
        }
        else
        {
            delivered = FanOut(delivery, frame, sequencedRoom, sends);
        }

        Count("delivered");
        metrics.DeliveryFanout.Record(delivered);
        RecordLatency(delivery, frame.Urgent);
        span?.SetTag("suite.delivery.recipients", delivered);
        return delivered;
    }

    // One delivery at a time writes to idle sockets itself, one send() per recipient. A delivery
    // expanded while another one still is means they come faster than they are sent: its frames
    // queue, and each connection's send pump writes what queued for it in one send(), so the
    // cost per frame falls as the load rises instead of the backlog growing (measured at 50,000
    // deliveries/s: one send() per frame took the edge from 4 to 11 us per delivery).
    private int FanOut(EdgeDelivery delivery, OutboundFrame frame, string? sequencedRoom, BatchSends? sends)
    {
        var mayWriteNow = Interlocked.Increment(ref _expanding) == 1;
        var delivered = 0;
        var excludedUsers = ExcludedUsersConnections(delivery);
        try
        {
            foreach (var connection in Targets(delivery))
            {
                if (IsAny(excludedUsers, connection) || Excluded(delivery, connection) || !Matches(delivery.Filter, connection.Identity!))
                {
                    continue;
                }

                if (sends is not null && connection.LiveHold is null && (sequencedRoom is null || connection.ReplayOrder is null))
                {
                    // Counted as accepted here; a refusal when the batch is sent counts as a drop then.
                    sends.Add(connection, frame);
                    delivered++;
                    continue;
                }

                // What the batch holds for the connection goes first, so its frames keep their order.
                sends?.Flush(connection, _countDropped ??= CountDropped);

                // A connection fetching its inbox holds live frames until its pending items are sent (Inbox/LiveHold).
                var outcome = connection.LiveHold is { } hold ? hold.Offer(connection, frame, mayWriteNow)
                    : sequencedRoom is not null && connection.ReplayOrder is { } order
                    ? order.Offer(connection, sequencedRoom, delivery.Message.Seq, frame, mayWriteNow)
                    : connection.Send(frame, mayWriteNow);
                if (outcome is null)
                {
                    metrics.FramesDropped.Add(1, new KeyValuePair<string, object?>("reason", "Replayed"));
                    continue;
                }

                if (outcome is EnqueueOutcome.Accepted or EnqueueOutcome.Coalesced)
                {
                    delivered++;
                }

                if (outcome != EnqueueOutcome.Accepted)
                {
                    CountDropped(outcome.Value);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _expanding);
        }

        return delivered;
    }

    // A frame the connection's queue did not take as it was (any outcome but Accepted), by its outcome.
    private void CountDropped(EnqueueOutcome outcome) => metrics.FramesDropped.Add(1, new KeyValuePair<string, object?>("reason", outcome.ToString()));

    private Activity? StartSpan(EdgeDelivery delivery)
    {
        var span = tracing.StartContinuing(SpanName, ActivityKind.Consumer, delivery.Traceparent, delivery.Tracestate);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("suite.message.id", delivery.Message.Id);
            span.SetTag("suite.message.type", delivery.Message.Type);
            span.SetTag("suite.edge.id", delivery.EdgeId);
            if (delivery.TargetCase == EdgeDelivery.TargetOneofCase.RoomId)
            {
                span.SetTag("suite.room.id", delivery.RoomId);
            }
        }

        return span;
    }

    // From the publisher's timestamp of the message (room: stored, notification: accepted, direct:
    // sent) to its frame handed to the recipients' sockets: written on those that were idle, queued
    // behind earlier frames on the rest (their wait shows in the send-queue metrics). Across hosts it
    // includes their clock difference, so a negative value (a clock behind) counts as 0.
    private void RecordLatency(EdgeDelivery delivery, bool urgent)
    {
        if (delivery.Message.Timestamp is not { } published)
        {
            return;
        }

        var seconds = (time.GetUtcNow() - published.ToDateTimeOffset()).TotalSeconds;
        metrics.DeliveryLatency.Record(Math.Max(seconds, 0), urgent ? HighPriority : NormalPriority);
    }

    // Once per delivery, whatever the number of recipients. A message that cannot be rendered stays
    // so on every redelivery, so it is dropped rather than sent as a broken frame.
    private ReadOnlyMemory<byte>? Render(EdgeDelivery delivery)
    {
        try
        {
            return DeliveredFrame.Render(delivery.Message);
        }
        catch (InvalidDataException ex)
        {
            Count("invalid");
            LogUnrenderable(logger, delivery.Message.Id, delivery.Message.Type, ex.Message);
            return null;
        }
    }

    private IEnumerable<Connection> Targets(EdgeDelivery delivery) => delivery.TargetCase switch
    {
        EdgeDelivery.TargetOneofCase.Users => delivery.Users.Ids.SelectMany(user => index.ConnectionsOf(user)),
        EdgeDelivery.TargetOneofCase.RoomId => index.RoomMembers(delivery.RoomId),
        EdgeDelivery.TargetOneofCase.Channel => index.ChannelSubscribers(delivery.Channel),
        EdgeDelivery.TargetOneofCase.Everyone when delivery.Everyone => index.AllConnections(),
        _ => [],
    };

    private static bool Excluded(EdgeDelivery delivery, Connection connection) =>
        delivery.ExceptConnectionIds.Count > 0 && delivery.ExceptConnectionIds.Contains(connection.Id);

    // The excepted users' connections here, looked up once per delivery (a room message excepts its
    // sender): each recipient is then compared by reference, leaving its identity and user id
    // string unread. Reading them for every recipient, cold in memory, was ~5 % of an edge's own
    // (not send()) samples at 9,800 deliveries/s. A recipient is in the index under its user from
    // before it can join anything until it is removed from both at once.
    private Connection[] ExcludedUsersConnections(EdgeDelivery delivery) => delivery.ExceptUserIds.Count switch
    {
        0 => [],
        1 => ImmutableCollectionsMarshal.AsArray(index.ConnectionsOf(delivery.ExceptUserIds[0])) ?? [],
        _ => [.. delivery.ExceptUserIds.Distinct(StringComparer.Ordinal).SelectMany(user => index.ConnectionsOf(user))],
    };

    private static bool IsAny(Connection[] connections, Connection connection)
    {
        foreach (var excluded in connections)
        {
            if (ReferenceEquals(excluded, connection))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(ConnectionFilter? filter, ClientIdentity identity) =>
        filter is null
        || ((filter.Tags.Count == 0 || filter.Tags.Any(identity.Tags.Contains))
            && (filter.Regions.Count == 0 || filter.Regions.Contains(identity.Region ?? ""))
            && (filter.Platforms.Count == 0 || filter.Platforms.Contains(identity.Platform ?? "")));

    private void Count(string outcome) => metrics.Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(1, LogLevel.Warning, "dropping a delivery for edge '{EdgeId}' with target {Target}: wrong edge, no message, no target or a batch inside a batch")]
    private static partial void LogInvalid(ILogger logger, string edgeId, string target);

    [LoggerMessage(2, LogLevel.Warning, "dropping an unreadable delivery")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "dropping a delivery of message '{MessageId}' ({Type}) whose frame cannot be rendered: {Reason}")]
    private static partial void LogUnrenderable(ILogger logger, string messageId, string type, string reason);
}
