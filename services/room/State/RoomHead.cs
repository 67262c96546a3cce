namespace Suite.Room.State;

/// <summary>
/// A room's position and owner: the ETag-guarded record that fences owners. Every change an owner
/// makes is one transaction that rewrites the head with the ETag it last wrote, so a replica that
/// lost the room (another took it over and wrote the head) cannot commit anything more.
/// </summary>
internal sealed class RoomHead
{
    public ulong Seq { get; set; }

    /// <summary>Changes when the room's numbering restarts (its history was lost); opaque to clients.</summary>
    public string Epoch { get; set; } = "";

    /// <summary>Incremented by every takeover; history slots are keyed by it (see <see cref="StateKeys.RoomHistory"/>).</summary>
    public long Term { get; set; }

    /// <summary>The replica id of the owner (<see cref="StateKeys.Replica"/>); empty = never owned.</summary>
    public string Owner { get; set; } = "";

    /// <summary>Where each term's seqs begin, oldest first, for the terms whose messages are still in the history window.</summary>
    public List<TermStart> Terms { get; set; } = [];

    /// <summary>Written only by the earlier, ownerless layout (term 0), where the head carried the newest message.</summary>
    public StoredMessage? Last { get; set; }

    /// <summary>
    /// Counts the room's membership changes (RoomLifecycleEvent.version): written with each change in the
    /// head's transaction, so it grows across owners. 0 = never counted (a new room or an older head).
    /// </summary>
    public ulong MembershipVersion { get; set; }

    /// <summary>The same head at another seq.</summary>
    public RoomHead WithSeq(ulong seq) => new() { Seq = seq, Epoch = Epoch, Term = Term, Owner = Owner, Terms = Terms, Last = Last, MembershipVersion = MembershipVersion };

    /// <summary>The same head with another membership version.</summary>
    public RoomHead WithMembershipVersion(ulong version) => new() { Seq = Seq, Epoch = Epoch, Term = Term, Owner = Owner, Terms = Terms, Last = Last, MembershipVersion = version };

    /// <summary>
    /// Where a room without a count starts: microseconds since 1970, above any count a lost head of
    /// the same room can have reached unless it changed membership more than a million times a second.
    /// </summary>
    public static ulong FirstMembershipVersion(DateTimeOffset now) => (ulong)now.ToUnixTimeMilliseconds() * 1000;

    /// <summary>The term that assigned <paramref name="seq"/>.</summary>
    public long TermOf(ulong seq)
    {
        var term = 0L;
        foreach (var start in Terms)
        {
            if (start.From <= seq)
            {
                term = start.Term;
            }
        }

        return term;
    }
}
