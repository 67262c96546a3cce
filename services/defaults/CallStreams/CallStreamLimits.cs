namespace Suite.ServiceDefaults.CallStreams;

/// <summary>Bounds both sides of a <c>Calls</c> stream keep to.</summary>
internal static class CallStreamLimits
{
    /// <summary>
    /// Calls of one stream the upstream runs at once (<see cref="CallStreamServer{TCall, TReply}"/>),
    /// and so the most a caller keeps unanswered on it (<see cref="CallStream{TCall, TReply}"/>).
    /// </summary>
    public const int MaxInFlight = 1024;
}
