namespace Suite.Edge.Protocol;

/// <summary>A problem with a client frame, sent back as an <c>error</c> frame; the connection stays open.</summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">Human-readable, naming the field or value at fault.</param>
public sealed record ProtocolError(string Code, string Message);
