using System.ComponentModel.DataAnnotations;

namespace Suite.Edge.Delivery;

public sealed class SendQueueOptions : IValidatableObject
{
    // Above this, droppable frames are refused (or coalesced) and the slow-consumer clock starts.
    [Range(1, long.MaxValue)]
    public long HighWatermarkBytes { get; set; } = 256 * 1024;

    // Droppable frames are accepted again only once the reader has drained to here (hysteresis,
    // so a queue hovering at the high watermark does not flap between dropping and accepting).
    [Range(0, long.MaxValue)]
    public long LowWatermarkBytes { get; set; } = 64 * 1024;

    // A frame that would take the queue past this closes the connection with 1013.
    [Range(1, long.MaxValue)]
    public long HardLimitBytes { get; set; } = 1024 * 1024;

    // Bounds memory spent on frame references when frames are tiny.
    [Range(1, 1_000_000)]
    public int MaxQueuedFrames { get; set; } = 4096;

    // How long a queue may stay congested (above the high watermark and not yet drained to the low
    // one) before the next enqueue closes the connection as a slow consumer.
    public TimeSpan SlowConsumerGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LowWatermarkBytes > HighWatermarkBytes)
        {
            yield return new ValidationResult(
                $"{nameof(LowWatermarkBytes)} must not exceed {nameof(HighWatermarkBytes)}.",
                [nameof(LowWatermarkBytes), nameof(HighWatermarkBytes)]);
        }

        if (HighWatermarkBytes > HardLimitBytes)
        {
            yield return new ValidationResult(
                $"{nameof(HighWatermarkBytes)} must not exceed {nameof(HardLimitBytes)}.",
                [nameof(HighWatermarkBytes), nameof(HardLimitBytes)]);
        }

        if (SlowConsumerGracePeriod <= TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"{nameof(SlowConsumerGracePeriod)} must be positive.", [nameof(SlowConsumerGracePeriod)]);
        }
    }
}
