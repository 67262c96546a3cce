namespace Suite.Edge.Protocol;

/// <summary>
/// The <c>id</c> and <c>timestamp</c> of a server frame. An event that reaches users on several edges
/// (a room message, a join) is stamped once where it happens and carries the stamp to every edge, so
/// all recipients see the same id and can de-duplicate on it.
/// </summary>
/// <param name="Id">Unique across the suite.</param>
/// <param name="Timestamp">Unix time in milliseconds.</param>
public readonly record struct FrameStamp(string Id, long Timestamp);
