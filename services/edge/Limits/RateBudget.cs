namespace Suite.Edge.Limits;

/// <summary>
/// A connection's frames and bytes allowed per second. The second is the caller's (the connection's
/// clock second of the frame being counted): a budget starts over by itself when a frame falls in a
/// new second, so nothing has to visit every connection every second to refill it.
/// Not System.Threading.RateLimiting: its limiters either run a timer each (two per connection at
/// 100k connections) or refill from the wall clock when asked, which the edge's injected clock
/// cannot drive; a few counters per connection do the same job.
/// </summary>
/// <remarks>Used by one thread at a time: a connection's frames are handled one after another.</remarks>
public struct RateBudget(int framesPerSecond, int bytesPerSecond)
{
    private long _second;
    private int _frames;
    private int _bytes;
    private int _refused;

    /// <summary>Frames refused in the second of the last frame counted.</summary>
    public readonly int Refused => _refused;

    /// <summary>Counts one frame of <paramref name="bytes"/> in <paramref name="second"/>; false (and counted as refused) when over either budget.</summary>
    public bool TryConsume(int bytes, long second)
    {
        if (second != _second)
        {
            _second = second;
            _frames = 0;
            _bytes = 0;
            _refused = 0;
        }

        _frames++;
        _bytes = (int)Math.Min(int.MaxValue, (long)_bytes + bytes);
        // A frame bigger than the whole byte budget passes alone in an otherwise empty second.
        if (_frames <= framesPerSecond && (_bytes <= bytesPerSecond || _frames == 1))
        {
            return true;
        }

        _refused++;
        return false;
    }
}
