namespace Suite.Edge.Delivery;

/// <summary>What <see cref="SendQueue.WaitToReadThen"/> did.</summary>
public enum ReaderWait
{
    /// <summary>The queue keeps the callback and calls it when there is something to read or the queue closes.</summary>
    Waiting,

    /// <summary>Frames can be read now; no callback was kept.</summary>
    Readable,

    /// <summary>The queue is closed and empty; no callback was kept.</summary>
    Finished,
}
