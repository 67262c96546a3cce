using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Delivery;

/// <summary>The edge's filter of redelivered message ids (section "Delivery").</summary>
public sealed class DuplicateFilterOptions : IValidatableObject
{
    public const string Section = "Delivery";

    /// <summary>
    /// How long a delivered message id is remembered. It must cover the brokers' redelivery horizon
    /// (components/): Redis redelivers an unacknowledged event after processingTimeout (60 s) plus up
    /// to one redeliverInterval (15 s), i.e. 75 s; JetStream after each ackWait (30 s), up to
    /// maxDeliver (5) times, the last one 4 x 30 s = 120 s after the first.
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Most ids remembered at once, so a delivery rate above MaxIds / DuplicateWindow costs a
    /// shorter window (counted in suite.edge.delivery.duplicate_filter.evicted) rather than memory:
    /// ~50 bytes an id (its hash in a set entry and a queue entry), ~25 MB when full.
    /// </summary>
    [Range(1024, 10_000_000)]
    public int DuplicateWindowMaxIds { get; set; } = 500_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DuplicateWindow < TimeSpan.FromSeconds(1) || DuplicateWindow > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult(
                $"{nameof(DuplicateWindow)} must be between 00:00:01 and 01:00:00 (it should cover the brokers' redelivery times).",
                [nameof(DuplicateWindow)]);
        }
    }
}
