namespace Suite.DaprEmulator.Delivery;

/// <summary>The app did not take a message after every retry; the broker decides what happens next.</summary>
public sealed class DeliveryFailedException(string message) : Exception(message);
