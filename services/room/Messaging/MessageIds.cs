namespace Suite.Room.Messaging;

internal static class MessageIds
{
    /// <summary>A new frame <c>id</c>, unique across the suite (clients de-duplicate on it).</summary>
    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// The 16 bytes of an id in <see cref="New"/>'s form, which <see cref="Expand"/> turns back into
    /// the same string; false for any other id.
    /// </summary>
    public static bool TryCompact(string id, out Guid compact) =>
        Guid.TryParseExact(id, "N", out compact) && !id.AsSpan().ContainsAnyInRange('A', 'F');

    public static string Expand(Guid compact) => compact.ToString("N");
}
