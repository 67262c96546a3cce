using Suite.Room.State;

namespace Suite.Room.Membership;

/// <summary>
/// One connection joining (<see cref="EdgeId"/> set) or leaving (null) a room, queued on the room's
/// owner until a turn commits it together with the changes queued beside it.
/// </summary>
internal sealed class MembershipChange(string userId, string connectionId, string? edgeId, LeaseTag? lease = null, string reason = "")
{
    public string UserId => userId;

    public string ConnectionId => connectionId;

    /// <summary>The edge of a joining connection; null for a leave.</summary>
    public string? EdgeId => edgeId;

    /// <summary>The edge lease a join is made under; null for a leave or an edge that sends none.</summary>
    public LeaseTag? Lease => lease;

    /// <summary>Why a connection leaves, for its LEFT lifecycle event; empty = a client's leave.</summary>
    public string Reason => reason;

    /// <summary>Set by the turn that commits the change (or fails it).</summary>
    public TaskCompletionSource<MembershipOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <param name="Changed">False when the connection was already a member (join) or was not one (leave).</param>
/// <param name="UserChanged">The user's first connection joined, or its last one left.</param>
/// <param name="LeftEdge">The edge of the connection that left.</param>
/// <param name="Edges">The edges hosting members after the commit.</param>
internal sealed record MembershipOutcome(bool Changed, bool UserChanged, string? LeftEdge, IReadOnlyList<string> Edges, int MemberCount, ulong LastSeq, string Epoch);
