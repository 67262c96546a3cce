namespace Suite.Edge.Protocol;

/// <summary>
/// <c>{"type":"ack","ids":[ID,...]}</c>: the user has seen these acknowledged notifications; they leave
/// the user's inbox and the user's other connections get <c>dismissed</c>.
/// </summary>
/// <param name="Ids">The notification ids, distinct, in the order sent.</param>
public sealed record AckMessage(IReadOnlyList<string> Ids, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Ack;
}
