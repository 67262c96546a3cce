using System.Diagnostics;
using System.Text.Json.Nodes;
using HdrHistogram;

namespace Suite.Load.Measurement;

/// <summary>
/// An HdrHistogram of durations in microseconds (1 µs … 1 h, 3 significant digits), behind a lock:
/// recorders on many client threads, and a reader that may summarise while frames still arrive
/// (the concurrent histogram's enumerators throw when written to mid-read).
/// </summary>
internal sealed class Latency
{
    private readonly LongHistogram _histogram = new(1, MaxMicros, 3);

    private const long MaxMicros = 3_600_000_000L;

    public long Count
    {
        get
        {
            lock (_histogram)
            {
                return _histogram.TotalCount;
            }
        }
    }

    /// <summary>Forgets everything recorded (after a warm-up).</summary>
    public void Reset()
    {
        lock (_histogram)
        {
            _histogram.Reset();
        }
    }

    public void RecordMicros(long micros)
    {
        lock (_histogram)
        {
            _histogram.RecordValue(Math.Clamp(micros, 1, MaxMicros));
        }
    }

    /// <summary>From a <see cref="Stopwatch.GetTimestamp"/> value to now.</summary>
    public void RecordSince(long stopwatchTimestamp) =>
        RecordMicros((long)Stopwatch.GetElapsedTime(stopwatchTimestamp).TotalMicroseconds);

    /// <summary>{count, p50, p90, p99, p999, max, mean} in milliseconds.</summary>
    public JsonObject ToJson()
    {
        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        HistogramBase h;
        lock (_histogram)
        {
            h = _histogram.Copy();
        }

        return h.TotalCount == 0
            ? new JsonObject { ["count"] = 0 }
            : new JsonObject
            {
                ["count"] = h.TotalCount,
                ["p50Ms"] = Ms(h.GetValueAtPercentile(50)),
                ["p90Ms"] = Ms(h.GetValueAtPercentile(90)),
                ["p99Ms"] = Ms(h.GetValueAtPercentile(99)),
                ["p999Ms"] = Ms(h.GetValueAtPercentile(99.9)),
                ["maxMs"] = Ms(h.GetMaxValue()),
                ["meanMs"] = Math.Round(h.GetMean() / 1000.0, 3),
            };
    }
}
