namespace Suite.Edge.Protocol;

/// <summary>A room's latest seq and the epoch its seqs belong to, as <c>joined</c> and <c>history</c> carry them.</summary>
public readonly record struct RoomPosition(ulong Seq, string Epoch);
