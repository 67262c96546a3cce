namespace Suite.Edge.Protocol.Encodings;

/// <summary>
/// One client encoding: reads client frames into the same messages, with the same error codes, as
/// the JSON protocol, and writes server frames. Server frames are rendered as JSON first (one owner
/// of every frame's shape: ServerFrames, ServerMessageJson) and a binary codec writes that frame in
/// its own encoding, field for field, so the encodings cannot drift apart.
/// </summary>
public interface IFrameCodec
{
    FrameEncoding Encoding { get; }

    /// <summary>The subprotocol name a client offers for it.</summary>
    string Subprotocol { get; }

    /// <summary>True when frames travel as binary WebSocket messages, false for text.</summary>
    bool BinaryFrames { get; }

    /// <summary>Reads one client frame; never throws for bad input (it becomes an error result).</summary>
    ParseResult Parse(ReadOnlyMemory<byte> frame, ProtocolLimits limits);

    /// <summary>The server frame whose JSON rendering is <paramref name="json"/>, in this encoding.</summary>
    /// <exception cref="System.Text.Json.JsonException"><paramref name="json"/> is not one JSON object.</exception>
    byte[] WriteServerFrame(ReadOnlyMemory<byte> json);
}
