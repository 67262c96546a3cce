namespace Suite.Room.State;

/// <summary>
/// A state transaction failed. On Redis some of its operations may have landed anyway (an ETag miss
/// fails only its own operation and is reported like any other failure), so the writer must re-read
/// what it fenced with before trusting its own picture of the data.
/// </summary>
internal sealed class StateTransactionFailedException(string firstKey, Exception inner)
    : Exception($"state transaction starting at key '{firstKey}' failed: {inner.InnerException?.Message ?? inner.Message}", inner);
