namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// Which message numbers (0, 1, 2 …) a client has: a bitmap that grows with the highest number, so a
/// 20-minute run's thousands of numbers per client cost a bit each. Not thread-safe: its owner locks.
/// </summary>
internal sealed class NumberSet
{
    private ulong[] _bits = new ulong[4];

    public long Count { get; private set; }

    /// <summary>False when <paramref name="n"/> was already there.</summary>
    public bool Add(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var word = (int)(n >> 6);
        if (word >= _bits.Length)
        {
            Array.Resize(ref _bits, Math.Max(word + 1, _bits.Length * 2));
        }

        var bit = 1UL << (int)(n & 63);
        if ((_bits[word] & bit) != 0)
        {
            return false;
        }

        _bits[word] |= bit;
        Count++;
        return true;
    }

    public bool Contains(long n) => n >= 0 && (n >> 6) < _bits.Length && (_bits[n >> 6] & (1UL << (int)(n & 63))) != 0;
}
