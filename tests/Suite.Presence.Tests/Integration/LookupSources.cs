using System.Diagnostics.Metrics;

namespace Suite.Presence.Tests.Integration;

/// <summary>Presence's lookup counter of one host (its meter factory), by source.</summary>
public sealed class LookupSources : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _memory;
    private long _store;

    public LookupSources(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "suite.presence.lookups" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "source" && tag.Value is "memory")
                {
                    Interlocked.Add(ref _memory, value);
                }
                else if (tag.Key == "source")
                {
                    Interlocked.Add(ref _store, value);
                }
            }
        });
        _listener.Start();
    }

    public long Memory => Interlocked.Read(ref _memory);

    public long Store => Interlocked.Read(ref _store);

    public void Dispose() => _listener.Dispose();
}
