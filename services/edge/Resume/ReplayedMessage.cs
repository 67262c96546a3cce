using Suite.Edge.Delivery;

namespace Suite.Edge.Resume;

/// <summary>A stored room message rendered as the <c>message</c> frame it was delivered as; <paramref name="From"/> is its sender, <paramref name="Id"/> its message id.</summary>
public sealed record ReplayedMessage(ulong Seq, OutboundFrame Frame, string From = "", string Id = "");
