namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"auth","token":JWT}</c>: first frame, or a fresh token before the current one expires.</summary>
public sealed record AuthMessage(string Token, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Auth;

    // Records print every property; a bearer token must never reach a log line.
    public override string ToString() => $"{nameof(AuthMessage)} {{ Id = {Id}, Token = *** }}";
}
