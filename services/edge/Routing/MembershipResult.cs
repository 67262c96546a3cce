namespace Suite.Edge.Routing;

/// <summary>What <c>LocalIndex.Join</c> or <c>LocalIndex.Subscribe</c> did.</summary>
public enum MembershipResult
{
    /// <summary>The connection is now a member.</summary>
    Added,

    /// <summary>It already was; nothing changed.</summary>
    AlreadyMember,

    /// <summary>The connection is at the given maximum of rooms (or channels); nothing changed.</summary>
    LimitReached,

    /// <summary>The connection was never added, or has been removed; removed connections cannot join.</summary>
    NotConnected,
}
