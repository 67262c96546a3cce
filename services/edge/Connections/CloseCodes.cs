namespace Suite.Edge.Connections;

// 4000–4999 are private-use close codes (RFC 6455), so clients learn their meaning only from this
// list; each constant says whether a client should reconnect. The 1xxx codes are RFC 6455's own.
public static class CloseCodes
{
    /// <summary>Bad, expired or missing token, or none within the auth timeout. Reconnect with a fresh token.</summary>
    public const int AuthFailed = 4001;

    /// <summary>No frame from the client for the idle timeout. Reconnect when there is something to do.</summary>
    public const int IdleTimeout = 4002;

    /// <summary>The token expired and no fresh <c>auth</c> came in time. Reconnect with a fresh token.</summary>
    public const int TokenExpired = 4003;

    /// <summary>The user already holds <c>Connections:MaxConnectionsPerUser</c> connections on this edge. Close one before reconnecting.</summary>
    public const int TooManyConnections = 4004;

    /// <summary>A compressed (permessage-deflate) message whose data does not inflate. Reconnect; do not resend that message.</summary>
    public const int InvalidPayloadData = 1007;

    /// <summary>Sustained abuse of the rate limits. Reconnect after a back-off.</summary>
    public const int PolicyViolation = 1008;

    /// <summary>A frame over the size limit. Reconnect; do not resend that frame.</summary>
    public const int MessageTooBig = 1009;

    /// <summary>The edge is shutting down; a <c>reconnect</c> frame said when to come back.</summary>
    public const int ServiceRestart = 1012;

    /// <summary>The client read too slowly, or the edge is admitting no more connections now. Reconnect after a back-off.</summary>
    public const int TryAgainLater = 1013;
}
