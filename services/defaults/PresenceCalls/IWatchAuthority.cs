namespace Suite.ServiceDefaults.PresenceCalls;

/// <summary>Whether a presence process sees every change of users' records, and so may grant watches.</summary>
public interface IWatchAuthority
{
    /// <summary>How much longer from now this process is sure it sees every change (zero: not sure).</summary>
    TimeSpan SureFor { get; }

    /// <summary>Changes whenever that certainty was broken: another writer may have written since.</summary>
    long Continuity { get; }
}
