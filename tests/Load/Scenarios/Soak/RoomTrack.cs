namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// What one client shows of its room, across its connections, the way a resuming client keeps it:
/// messages in seq order from its first <c>joined</c>; one that arrives after a gap waits for the gap
/// to fill (counted out of order); on a resume the client asks for everything after the last seq it
/// showed (<see cref="ResumePoint"/>) and drops what waited beyond it, since the replay sends it again.
/// A seq shown twice, or a message number (the sender's own numbering) shown under two seqs, is a
/// duplicate. Not thread-safe: the owning user locks.
/// </summary>
internal sealed class RoomTrack(string roomId)
{
    private readonly SortedDictionary<ulong, long> _waiting = [];
    private ulong _lastSeq;
    private bool _joined;

    public string RoomId => roomId;

    public string? Epoch { get; private set; }

    /// <summary>Message numbers shown, each once.</summary>
    public NumberSet Shown { get; } = new();

    public long Frames { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    /// <summary>Messages that waited beyond a gap and were dropped at a resume (the replay sends them again).</summary>
    public long DroppedAtResume { get; private set; }

    public long Resumes { get; private set; }

    public long Recovered { get; private set; }

    public long Unrecovered { get; private set; }

    public long Replayed { get; private set; }

    /// <summary>The first <c>joined</c>: the room's position, from which every message is expected.</summary>
    public void Joined(ulong seq, string? epoch)
    {
        _lastSeq = seq;
        Epoch = epoch;
        _joined = true;
    }

    public void Message(ulong seq, long number)
    {
        Frames++;
        if (!_joined || seq <= _lastSeq || _waiting.ContainsKey(seq))
        {
            Duplicates += _joined ? 1 : 0;
            return;
        }

        if (seq != _lastSeq + 1)
        {
            OutOfOrder++;
            _waiting[seq] = number;
            return;
        }

        Show(number);
        _lastSeq = seq;
        while (_waiting.Remove(_lastSeq + 1, out var next))
        {
            Show(next);
            _lastSeq++;
        }
    }

    /// <summary>The <c>since</c> of a resume: the last seq shown in order, and the epoch it belongs to.</summary>
    public (ulong Seq, string? Epoch) ResumePoint()
    {
        DroppedAtResume += _waiting.Count;
        _waiting.Clear();
        return (_lastSeq, Epoch);
    }

    /// <summary>
    /// The <c>joined</c> answer to a resume. Not recovered: what was missed cannot come back (the client
    /// would reload it from its own backend), so it goes on from the room's position and the messages
    /// skipped count as lost.
    /// </summary>
    public void Resumed(bool recovered, ulong seq, string? epoch, int missed)
    {
        Resumes++;
        if (recovered)
        {
            Recovered++;
            Replayed += missed;
            return;
        }

        Unrecovered++;
        _lastSeq = Math.Max(_lastSeq, seq);
        Epoch = epoch ?? Epoch;
    }

    private void Show(long number)
    {
        if (!Shown.Add(number))
        {
            Duplicates++;
        }
    }
}
