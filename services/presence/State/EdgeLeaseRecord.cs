namespace Suite.Presence.State;

public sealed class EdgeLeaseRecord
{
    public string EdgeId { get; set; } = "";

    public string Incarnation { get; set; } = "";

    /// <summary>
    /// New for every lease start, even of the same incarnation after an expiry, so dropping an ended
    /// lease's connections can never touch those recorded under the lease that followed it.
    /// </summary>
    public string LeaseId { get; set; } = "";

    /// <summary>The edge's own count of its leases within the incarnation (RegisterEdgeRequest.lease_generation; 0 = not sent).</summary>
    public ulong LeaseGeneration { get; set; }

    public TimeSpan LeaseDuration { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>The presence processes that indexed connections under this lease (see <see cref="StateKeys.IndexCount"/>).</summary>
    public List<string> Writers { get; set; } = [];

    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;
}
