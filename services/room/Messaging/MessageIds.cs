namespace Suite.Room.Messaging;

internal static class MessageIds
{
    /// <summary>A new frame <c>id</c>, unique across the suite (clients de-duplicate on it).</summary>
    public static string New() => Guid.NewGuid().ToString("N");
}
