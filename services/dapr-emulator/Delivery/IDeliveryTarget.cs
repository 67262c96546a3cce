using Suite.DaprEmulator.CloudEvents;

namespace Suite.DaprEmulator.Delivery;

/// <summary>
/// Where a subscription's messages go: the app's HTTP port (<see cref="AppChannel"/>) or one
/// streaming subscription (<see cref="Streaming.StreamConnection"/>). Everything around the hand-over
/// (expiry, routing, retries, dead letters, the broker's ack) is <see cref="TopicDelivery"/>'s.
/// </summary>
public interface IDeliveryTarget
{
    /// <summary>Hands over one CloudEvent and returns what the app answered.</summary>
    Task<DeliveryOutcome> DeliverAsync(string path, SubscriberEvent cloudEvent, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken);
}
