using Suite.Load.Clients;

namespace Suite.Load.Scenarios.Soak;

/// <summary>One connection's frames to its user's bookkeeping; an <c>error</c> naming a sent message also to the scenario (retry or refusal).</summary>
internal sealed class SoakObserver(SoakUser user, int generation, Action<SoakUser, SoakFrame> onError) : IBenchObserver
{
    public void OnBench(IGatewayClient client, long number, long sentAtStopwatch)
    {
    }

    public void OnFrame(IGatewayClient client, ReadOnlySpan<byte> frame)
    {
        var read = SoakFrame.Read(frame);
        user.OnFrame(generation, read);
        if (read.Type == "error")
        {
            // Whatever connection it came on: a refusal is the sender's news even after a reconnect.
            onError(user, read);
        }
    }
}
