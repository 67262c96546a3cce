namespace Suite.DaprEmulator.Subscriptions;

/// <summary>
/// One (pubsub, topic) subscription as the app declared it in <c>GET /dapr/subscribe</c> or a
/// <c>kind: Subscription</c> resource. Rules are tried in order; <see cref="DefaultPath"/> catches the rest.
/// </summary>
public sealed record AppSubscription(
    string PubsubName,
    string Topic,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<RouteRule> Rules,
    string? DefaultPath,
    string? DeadLetterTopic,
    bool BulkSubscribe)
{
    public bool RawPayload =>
        Metadata.TryGetValue("rawPayload", out var raw) && bool.TryParse(raw, out var enabled) && enabled;
}
