namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// Sees what one caller's <c>Calls</c> streams carry, on each stream's read loop and so in the
/// order the stream delivered it: replies before their callers resume, messages the upstream pushed
/// (replies with id 0, never a call's), and the end of the stream. Each stream has its own number,
/// higher for each new one, so what arrives late from a stream that ended can be told apart.
/// Implementations must be quick and must not block: the stream reads nothing else meanwhile.
/// </summary>
public interface ICallStreamObserver<TCall, TReply>
{
    /// <summary>A reply to <paramref name="call"/> arrived on stream <paramref name="stream"/>.</summary>
    void Replied(long stream, TCall call, TReply reply);

    /// <summary>The upstream pushed <paramref name="push"/>; a call returned is written back on the same stream (id 0, it gets no reply).</summary>
    TCall? Pushed(long stream, TReply push);

    /// <summary>Stream <paramref name="stream"/> ended: nothing more arrives on it.</summary>
    void Ended(long stream);
}
