namespace Suite.Edge.Connections;

/// <param name="Flush">Send what is queued first (graceful); false closes right after the current frame.</param>
public sealed record CloseRequest(int Code, string Reason, bool Flush);
