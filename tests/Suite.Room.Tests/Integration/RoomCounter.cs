using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Suite.Room.Tests.Integration;

/// <summary>Sums one counter of one room host (hosts in parallel tests have their own meters).</summary>
public sealed class RoomCounter : IDisposable
{
    private readonly MeterListener _listener;
    private long _total;

    public RoomCounter(RoomHost host, string instrumentName)
    {
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == instrumentName && instrument.Meter.Scope == meters)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}
