using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Suite.ServiceDefaults.Tracing;

/// <summary>
/// The service's own <see cref="ActivitySource"/>, named like the application (<c>Suite.Edge</c>,
/// <c>Suite.Room</c>, …), which its tracer provider listens to when tracing is on. Without an
/// exporter nothing listens, and every span this starts is null at the cost of one check.
/// </summary>
public sealed class ServiceTracing : IDisposable
{
    public ServiceTracing(IHostEnvironment environment)
        : this(environment.ApplicationName)
    {
    }

    public ServiceTracing(string name) => Source = new ActivitySource(name);

    public ActivitySource Source { get; }

    /// <summary>Whether anything records this service's spans (an exporter is configured).</summary>
    public bool Enabled => Source.HasListeners();

    /// <summary>
    /// Starts a span that continues <paramref name="traceparent"/> (a W3C trace context carried in a
    /// message), or, when it is empty or malformed, a child of <see cref="Activity.Current"/> (a new
    /// trace when there is none).
    /// </summary>
    public Activity? StartContinuing(string name, ActivityKind kind, string? traceparent, string? tracestate)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        return !string.IsNullOrEmpty(traceparent) && ActivityContext.TryParse(traceparent, tracestate, isRemote: true, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
    }

    public void Dispose() => Source.Dispose();
}
