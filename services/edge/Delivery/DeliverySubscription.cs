namespace Suite.Edge.Delivery;

/// <summary>How the sidecar hands this edge its deliveries (setting <c>Edge:DeliverySubscription</c>).</summary>
public enum DeliverySubscription
{
    /// <summary>One gRPC <c>SubscribeTopicEventsAlpha1</c> stream per topic (daprd 1.14+).</summary>
    Streaming,

    /// <summary>Declarative HTTP routes, one POST per delivery, for sidecars without streaming.</summary>
    Http,
}
