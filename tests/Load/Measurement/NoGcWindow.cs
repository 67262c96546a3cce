using System.Runtime;
using System.Text.Json.Nodes;

namespace Suite.Load.Measurement;

/// <summary>
/// Keeps the load generator's own garbage collections out of a measured window. A collection pauses
/// every receive loop of the generator, and each frame that arrives meanwhile is timed late: in the
/// fan-out over Redis its gen0 collections took 3.5-5.2 ms every ~2.6 s, five of them inside one 10 s
/// window (docs/benchmarks.md), for the suite and the peers alike. The window runs in a no-GC region
/// large enough for any window this generator measures (6-8 MB a second at 9,800 frames/s, four
/// times that at a sweep's top step, up to 30 s); a window that allocates more ends the region with an
/// ordinary collection, which the figures then show.
/// </summary>
internal sealed class NoGcWindow
{
    private const long BudgetBytes = 1L << 30;
    private readonly bool _started;
    private readonly int _collectionsBefore;
    private readonly int _gen2Before;

    private NoGcWindow(bool started)
    {
        _started = started;
        _collectionsBefore = GC.CollectionCount(0);
        _gen2Before = GC.CollectionCount(2);
    }

    /// <summary>Starts the region (after the one full collection the runtime makes to start it).</summary>
    public static NoGcWindow Start()
    {
        EndRegion(); // one that an earlier window left open when its scenario failed
        bool started;
        try
        {
            started = GC.TryStartNoGCRegion(BudgetBytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            started = false; // a runtime or GC mode with a smaller limit: measured as before, and reported
        }

        return new NoGcWindow(started);
    }

    /// <summary>Ends the region and returns what the generator collected during the window.</summary>
    public JsonObject End()
    {
        var held = EndRegion();
        return new JsonObject
        {
            ["noGcRegion"] = _started,
            ["heldToTheEnd"] = _started && held,
            ["collections"] = GC.CollectionCount(0) - _collectionsBefore,
            ["gen2Collections"] = GC.CollectionCount(2) - _gen2Before,
        };
    }

    // True when the region was still in effect: the runtime ends it by itself when its budget runs out.
    private static bool EndRegion()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        try
        {
            GC.EndNoGCRegion();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // it ended with a collection between the check and the call
        }
    }
}
