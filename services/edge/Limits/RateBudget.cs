using System.Runtime.CompilerServices;

namespace Suite.Edge.Limits;

/// <summary>
/// A connection's frames and bytes allowed per second, refilled by the edge-wide sweeper tick.
/// Not System.Threading.RateLimiting: its limiters either run a timer each (two per connection at
/// 100k connections) or refill from the wall clock when asked, which the sweeper's injected clock
/// cannot drive; two counters per connection do the same job in 8 bytes.
/// </summary>
public struct RateBudget(int framesPerSecond, int bytesPerSecond)
{
    private int _frames;
    private int _bytes;
    private int _refused;

    /// <summary>Frames refused since the last refill.</summary>
    public readonly int Refused => Volatile.Read(ref Unsafe.AsRef(in _refused));

    /// <summary>Counts one frame of <paramref name="bytes"/>; false (and counted as refused) when over either budget.</summary>
    public bool TryConsume(int bytes)
    {
        var frames = Interlocked.Increment(ref _frames);
        var total = Interlocked.Add(ref _bytes, bytes);
        // A frame bigger than the whole byte budget passes alone in an otherwise empty second.
        if (frames <= framesPerSecond && (total <= bytesPerSecond || frames == 1))
        {
            return true;
        }

        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>
    /// Starts a new second. A budget nothing was taken from is left unwritten: the sweep refills every
    /// connection every second, and most are idle, so reading first spares them a write each.
    /// </summary>
    public void Refill()
    {
        if (Volatile.Read(ref _frames) == 0 && Volatile.Read(ref _bytes) == 0 && Volatile.Read(ref _refused) == 0)
        {
            return;
        }

        Volatile.Write(ref _frames, 0);
        Volatile.Write(ref _bytes, 0);
        Volatile.Write(ref _refused, 0);
    }
}
