using System.Diagnostics;

namespace Suite.ServiceDefaults.Tracing;

/// <summary>
/// The W3C trace context (traceparent, tracestate) of the current span, for messages that carry it
/// where no HTTP header can: calls on a long-lived stream and deliveries batched into one event.
/// </summary>
public static class TraceContext
{
    /// <summary>
    /// The current span's context, when a span of a source someone records is current. With no
    /// exporter nothing listens, so this is false without allocating: ASP.NET Core's own request
    /// Activity (started even untraced, flagged as its caller's) does not count.
    /// </summary>
    public static bool TryGetCurrent(out string traceparent, out string tracestate)
    {
        var current = Activity.Current;
        if (current is null || !current.Recorded || current.IdFormat != ActivityIdFormat.W3C || !current.Source.HasListeners())
        {
            traceparent = "";
            tracestate = "";
            return false;
        }

        traceparent = current.Id!;
        tracestate = current.TraceStateString ?? "";
        return true;
    }
}
