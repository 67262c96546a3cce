namespace Suite.Load.Clients;

/// <summary>
/// Sees every numbered benchmark message a client receives (see <see cref="BenchMarker"/>), on that
/// client's receive loop: one call at a time per client.
/// </summary>
internal interface IBenchObserver
{
    void OnBench(IGatewayClient client, long number, long sentAtStopwatch);

    /// <summary>An error frame the server sent this client (e.g. <c>rate_limited</c>), by its code.</summary>
    void OnError(IGatewayClient client, string code)
    {
    }

    /// <summary>
    /// Every frame after <c>auth:ok</c>, whole, before the client's own handling (protocol v1 only):
    /// for scenarios that read more than a numbered content (the soak: seq, resume answers, acks).
    /// </summary>
    void OnFrame(IGatewayClient client, ReadOnlySpan<byte> frame)
    {
    }
}
