using Suite.ServiceDefaults.State;

namespace Suite.Presence.Users;

/// <summary>What one attempt at a user's record decided: whether to write, what to report, and which other keys to write in the same transaction.</summary>
internal readonly record struct UserChange<TOutcome>(bool Write, TOutcome Outcome, IReadOnlyList<StateChange> With)
{
    public static UserChange<TOutcome> Keep(TOutcome outcome) => new(false, outcome, []);
}
