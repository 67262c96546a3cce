namespace Suite.Edge.Connections;

/// <summary>What a wait on a connection's input found; see <see cref="WebSocketTransport.FrameArrived"/>.</summary>
public enum InputArrival
{
    /// <summary>Nothing for the socket yet (pongs, or part of a frame header): wait again.</summary>
    Nothing,

    /// <summary>A client frame has begun, or the transport closed: the socket reads next.</summary>
    Frame,

    /// <summary>The client ended the connection with no frame begun: it left without a close frame.</summary>
    End,
}
