using System.Diagnostics;

namespace Suite.Edge.Delivery;

/// <summary>
/// A span per recipient's socket write of a traced delivery, the end of the trace that published
/// it. Made only for frames that carry a <see cref="OutboundFrame.DeliverySpan"/>, so an untraced
/// fan-out allocates nothing per recipient.
/// </summary>
public static class SocketWriteSpans
{
    public const string Name = "ws send";

    public static Activity? Start(OutboundFrame frame, string connectionId, int batched = 1)
    {
        if (frame.DeliverySpan is not { } delivery)
        {
            return null;
        }

        var span = delivery.Source.StartActivity(Name, ActivityKind.Producer, delivery.Context);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("suite.connection.id", connectionId);
            span.SetTag("suite.message.type", frame.Type);
            if (batched > 1)
            {
                // Written in one send() with frames queued behind it (a client that fell behind).
                span.SetTag("suite.frames.batched", batched);
            }
        }

        return span;
    }

    /// <summary>Spans for the traced frames of one batched write; null when none is traced.</summary>
    public static List<Activity>? Start(List<OutboundFrame> batch, string connectionId)
    {
        List<Activity>? spans = null;
        foreach (var frame in batch)
        {
            if (Start(frame, connectionId, batch.Count) is { } span)
            {
                (spans ??= []).Add(span);
            }
        }

        return spans;
    }

    public static void Stop(List<Activity>? spans, Exception? failure = null)
    {
        if (spans is null)
        {
            return;
        }

        foreach (var span in spans)
        {
            if (failure is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, failure.Message);
            }

            span.Dispose();
        }
    }
}
