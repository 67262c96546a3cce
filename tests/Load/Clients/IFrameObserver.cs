namespace Suite.Load.Clients;

/// <summary>Sees every text frame every client receives, on that client's receive loop (one thread per client at a time).</summary>
internal interface IFrameObserver
{
    void OnFrame(LoadClient client, ReadOnlySpan<byte> frame);
}
