namespace Suite.Edge.Protocol;

/// <summary>The last room message a client has (<c>seq</c>) and the room epoch that seq belongs to.</summary>
public sealed record ResumePoint(ulong Seq, string Epoch);
