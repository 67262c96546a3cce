namespace Suite.Edge.Routing;

/// <summary>What a connection left when it was removed from the local index, so the caller can tell upstream.</summary>
/// <param name="UserId">The user the connection belonged to.</param>
/// <param name="Rooms">Every room it was in.</param>
/// <param name="Channels">Every channel it subscribed to.</param>
/// <param name="WasLastOfUser">True when the user has no other connection on this edge now.</param>
public sealed record RemovedConnection(
    string UserId,
    IReadOnlyCollection<string> Rooms,
    IReadOnlyCollection<string> Channels,
    bool WasLastOfUser);
