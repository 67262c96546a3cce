using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Suite.Edge.Pages;

/// <summary>
/// Totals of this edge's own instruments (<see cref="EdgeMetrics"/>) for the Development ops view:
/// frames in (also by type) and out, frames handed to recipients by deliveries (the fan-out's sum),
/// frames dropped by reason, closes by code, and the delivery latency histogram
/// with the buckets /metrics exports. Listens only to the meters of this app's meter factory, so
/// several edges in one process (tests) each see their own.
/// </summary>
public sealed class OpsMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly long[] _latencyBuckets = new long[EdgeMetrics.LatencyBuckets.Length + 1];
    private long _latencyCount;
    private double _latencySumSeconds;
    private readonly Lock _latencyLock = new();

    public OpsMeter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EdgeMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory) && Wanted(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Count(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Count(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => RecordLatency(value));
        _listener.Start();
    }

    /// <summary>Totals since start by key: <c>frames.received</c> and <c>frames.received:{type}</c>, <c>frames.sent</c>, <c>delivery.fanout</c>, <c>frames.dropped:{reason}</c>, <c>connections.closed:{code}</c>, <c>connections.opened</c>.</summary>
    public IReadOnlyDictionary<string, long> Totals() => new Dictionary<string, long>(_totals, StringComparer.Ordinal);

    public LatencySnapshot Latency()
    {
        lock (_latencyLock)
        {
            return new LatencySnapshot(_latencyCount, _latencySumSeconds, [.. EdgeMetrics.LatencyBuckets], [.. _latencyBuckets]);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static bool Wanted(string name) => name is "suite.edge.frames.received" or "suite.edge.frames.sent" or "suite.edge.frames.dropped"
        or "suite.edge.connections.closed" or "suite.edge.connections.opened" or "suite.edge.delivery.latency" or "suite.edge.delivery.fanout";

    private void Count(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var name = instrument["suite.edge.".Length..];
        switch (name)
        {
            case "frames.dropped":
                Add($"{name}:{Tag(tags, "reason")}", value);
                break;
            case "connections.closed":
                Add($"{name}:{Tag(tags, "code")}", value);
                break;
            case "frames.received":
                Add(name, value);
                Add($"{name}:{Tag(tags, "type")}", value);
                break;
            default:
                Add(name, value);
                break;
        }
    }

    private void Add(string key, long value) => _totals.AddOrUpdate(key, value, (_, old) => old + value);

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        return "";
    }

    private void RecordLatency(double seconds)
    {
        var bucket = Array.BinarySearch(EdgeMetrics.LatencyBuckets, seconds);
        bucket = bucket >= 0 ? bucket : ~bucket;
        lock (_latencyLock)
        {
            _latencyBuckets[bucket]++;
            _latencyCount++;
            _latencySumSeconds += seconds;
        }
    }
}

/// <summary>The delivery latency histogram: <c>Counts[i]</c> fell at or under <c>Bounds[i]</c> seconds (and over the one before); the last count is above every bound.</summary>
public sealed record LatencySnapshot(long Count, double SumSeconds, double[] Bounds, long[] Counts)
{
    /// <summary>The upper bound of the bucket holding quantile <paramref name="q"/>, in seconds; null without samples, +Inf past the last bound.</summary>
    public double? Quantile(double q)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Ceiling(q * Count);
        long seen = 0;
        for (var i = 0; i < Counts.Length; i++)
        {
            seen += Counts[i];
            if (seen >= rank)
            {
                return i < Bounds.Length ? Bounds[i] : double.PositiveInfinity;
            }
        }

        return double.PositiveInfinity;
    }
}
