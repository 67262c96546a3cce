using Suite.Contracts.Presence.V1;

namespace Suite.Presence.State;

public sealed class RetiredLease
{
    public string EdgeId { get; set; } = "";

    public string Incarnation { get; set; } = "";

    public string LeaseId { get; set; } = "";

    public ulong LeaseGeneration { get; set; }

    public EdgeChange Change { get; set; }

    public DateTimeOffset RetiredAt { get; set; }

    public List<string> Writers { get; set; } = [];

    public static RetiredLease From(EdgeLeaseRecord lease, EdgeChange change, DateTimeOffset now) => new()
    {
        EdgeId = lease.EdgeId,
        Incarnation = lease.Incarnation,
        LeaseId = lease.LeaseId,
        LeaseGeneration = lease.LeaseGeneration,
        Change = change,
        RetiredAt = now,
        Writers = [.. lease.Writers],
    };
}
