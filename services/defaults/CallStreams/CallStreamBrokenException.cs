namespace Suite.ServiceDefaults.CallStreams;

/// <summary>A call could not be completed on a call stream; it is safe to make it again (the streamed calls are idempotent or read-only).</summary>
internal sealed class CallStreamBrokenException(string upstream, Exception? reason)
    : Exception($"the {upstream} call stream broke: " + reason?.Message, reason);
