namespace Suite.Edge.Protocol.Encodings;

/// <summary>How a connection's frames are written, chosen once at the upgrade by subprotocol (<see cref="Subprotocols"/>).</summary>
public enum FrameEncoding
{
    /// <summary><c>gateway.v1.json</c>: text frames, the JSON protocol (the default).</summary>
    Json,

    /// <summary><c>gateway.v1.msgpack</c>: binary frames, MessagePack maps with the JSON field names and values.</summary>
    MessagePack,

    /// <summary><c>gateway.v1.cbor</c>: binary frames, CBOR (RFC 8949) maps with the JSON field names and values.</summary>
    Cbor,

    /// <summary><c>gateway.v1.protobuf</c>: binary frames, <c>gateway.client.v1.ClientFrame</c> / <c>ServerFrame</c>.</summary>
    Protobuf,
}
