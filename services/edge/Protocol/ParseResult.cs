using System.Diagnostics.CodeAnalysis;

namespace Suite.Edge.Protocol;

/// <summary>Either a <see cref="ClientMessage"/> or a <see cref="ProtocolError"/>; a struct so a good frame costs no extra allocation.</summary>
public readonly struct ParseResult
{
    private ParseResult(ClientMessage? message, ProtocolError? error, string? clientId)
    {
        Message = message;
        Error = error;
        ClientId = clientId;
        IsSuccess = message is not null;
    }

    public ClientMessage? Message { get; }

    public ProtocolError? Error { get; }

    /// <summary>The client's correlation <c>id</c> when it sent a valid one, also on failure, for the <c>ref</c> of the error reply.</summary>
    public string? ClientId { get; }

    [MemberNotNullWhen(true, nameof(Message))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess { get; }

    public static ParseResult Success(ClientMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message, null, message.Id);
    }

    public static ParseResult Failure(ProtocolError error, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error, clientId);
    }
}
