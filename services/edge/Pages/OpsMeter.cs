using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

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
    private const string Prefix = "suite.edge.";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, InstrumentTotals> _instruments = new(StringComparer.Ordinal);
    private readonly long[] _latencyBuckets = new long[EdgeMetrics.LatencyBuckets.Length + 1];
    private long _latencyCount;
    private double _latencySumSeconds;
    private readonly Lock _latencyLock = new();

    public OpsMeter(IMeterFactory meterFactory)
    {
        // Each instrument's totals ride along as the listener's state, so a measurement (one per
        // frame sent, in the fan-out's loop) adds to a field: no key to build, no lookup, no allocation.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != EdgeMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                return;
            }

            if (Shown(instrument.Name) is { } shown)
            {
                var key = instrument.Name[Prefix.Length..];
                listener.EnableMeasurementEvents(instrument, _instruments.GetOrAdd(key, new InstrumentTotals(key, shown.Tag, shown.KeepTotal)));
            }
            else if (instrument.Name == "suite.edge.delivery.latency")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentTotals)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentTotals)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => RecordLatency(value));
        _listener.Start();
    }

    /// <summary>Totals since start by key: <c>frames.received</c> and <c>frames.received:{type}</c>, <c>frames.sent</c>, <c>delivery.fanout</c>, <c>frames.dropped:{reason}</c>, <c>connections.closed:{code}</c>, <c>connections.opened</c>.</summary>
    public IReadOnlyDictionary<string, long> Totals()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var instrument in _instruments.Values)
        {
            instrument.CopyTo(totals);
        }

        return totals;
    }

    public LatencySnapshot Latency()
    {
        lock (_latencyLock)
        {
            return new LatencySnapshot(_latencyCount, _latencySumSeconds, [.. EdgeMetrics.LatencyBuckets], [.. _latencyBuckets]);
        }
    }

    public void Dispose() => _listener.Dispose();

    // The instruments the view totals: the tag it shows each by, if any, and whether it shows the
    // instrument's own sum too.
    private static (string? Tag, bool KeepTotal)? Shown(string instrument) => instrument switch
    {
        "suite.edge.frames.received" => ("type", true),
        "suite.edge.frames.dropped" => ("reason", false),
        "suite.edge.connections.closed" => ("code", false),
        "suite.edge.frames.sent" or "suite.edge.connections.opened" or "suite.edge.delivery.fanout" => (null, true),
        _ => null,
    };

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

    /// <summary>
    /// One instrument's sum (reported as <c>key</c> once measured, when <c>keepTotal</c>) and, for a tagged
    /// one, its sums by the tag's value (<c>key:value</c>).
    /// </summary>
    private sealed class InstrumentTotals(string key, string? tag, bool keepTotal)
    {
        private readonly ConcurrentDictionary<string, StrongBox<long>> _byTag = new(StringComparer.Ordinal);
        private long _total;
        private int _measured;

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Interlocked.Add(ref _total, value);
            Volatile.Write(ref _measured, 1);
            if (tag is not null)
            {
                Interlocked.Add(ref _byTag.GetOrAdd(TagValue(tags, tag), static _ => new StrongBox<long>()).Value, value);
            }
        }

        public void CopyTo(Dictionary<string, long> totals)
        {
            if (keepTotal && Volatile.Read(ref _measured) == 1)
            {
                totals[key] = Interlocked.Read(ref _total);
            }

            foreach (var (value, sum) in _byTag)
            {
                totals[$"{key}:{value}"] = Interlocked.Read(ref sum.Value);
            }
        }

        // Tag values are strings (frame types, drop reasons) or close codes; a string is used as it is.
        private static string TagValue(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
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
