namespace Suite.Room.State;

/// <summary>Term <see cref="Term"/> assigned seqs from <see cref="From"/> on.</summary>
internal sealed class TermStart
{
    public long Term { get; set; }

    public ulong From { get; set; }
}
