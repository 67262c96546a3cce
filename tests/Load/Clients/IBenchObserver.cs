namespace Suite.Load.Clients;

/// <summary>
/// Sees every numbered benchmark message a client receives (see <see cref="BenchMarker"/>), on that
/// client's receive loop: one call at a time per client.
/// </summary>
internal interface IBenchObserver
{
    void OnBench(IGatewayClient client, long number, long sentAtStopwatch);
}
