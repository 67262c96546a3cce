namespace Suite.DaprEmulator.Hosting;

/// <summary>
/// daprd's two health answers: outbound (components ready; what <c>WaitForSidecarAsync</c> polls)
/// and full (the app channel is up and its subscriptions are running).
/// </summary>
public sealed class SidecarReadiness
{
    private volatile bool _outbound;
    private volatile bool _app;

    public bool OutboundReady => _outbound;

    public bool Ready => _outbound && _app;

    public void MarkOutboundReady() => _outbound = true;

    public void MarkAppReady() => _app = true;
}
