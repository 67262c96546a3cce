namespace Suite.DaprEmulator.Delivery;

public enum DeliveryStatus
{
    Success,
    Retry,
    Drop,
}

/// <summary>What the app said about one delivery, read as daprd reads it (dapr-contract.md §2.5).</summary>
public sealed record DeliveryOutcome(DeliveryStatus Status, string Reason)
{
    public static DeliveryOutcome Success { get; } = new(DeliveryStatus.Success, "");
}
