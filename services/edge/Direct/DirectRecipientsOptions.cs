using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Direct;

/// <summary>Where direct messages' recipients are looked up (section "DirectMessages").</summary>
public sealed class DirectRecipientsOptions : IValidatableObject
{
    public const string Section = "DirectMessages";

    /// <summary>
    /// Recipients whose edges the edge keeps while presence watches them for it (presence.proto,
    /// "Watches"), least recently used dropped first; 0: every direct message looks its recipient up.
    /// ~200 bytes a user.
    /// </summary>
    [Range(0, 1_000_000)]
    public int CacheUsers { get; set; } = 10_000;

    /// <summary>
    /// How long a cached answer is used at most, even while presence still watches the user: a bound
    /// on what a fault nobody foresaw could keep wrong.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CacheTtl < TimeSpan.FromSeconds(1) || CacheTtl > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{nameof(CacheTtl)} must be between 00:00:01 and 1.00:00:00.", [nameof(CacheTtl)]);
        }
    }
}
