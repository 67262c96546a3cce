namespace Suite.Contracts.CallStreams;

/// <summary>The reply to an <see cref="IStreamedCall"/>: its id and the status the unary RPC would have ended with.</summary>
public interface IStreamedReply
{
    ulong Id { get; set; }

    int StatusCode { get; set; }

    string StatusDetail { get; set; }
}
