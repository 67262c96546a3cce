namespace Suite.Room.Owners;

/// <summary>Another replica took the room over first (two took it over at once); the caller resolves the owner again.</summary>
internal sealed class TakeoverLostException(string roomId) : Exception($"room '{roomId}' was taken over by another replica at the same time");
