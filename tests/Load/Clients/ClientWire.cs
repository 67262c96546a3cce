using System.Net.WebSockets;
using Suite.Testing;

namespace Suite.Load.Clients;

/// <summary>
/// What protocol-v1 clients put on the wire: an encoding (the subprotocol) and whether they offer
/// permessage-deflate. Set once from the command line before any client exists (<see cref="Current"/>).
/// </summary>
internal sealed record ClientWire(WireEncoding Encoding, bool Deflate)
{
    public static readonly string[] Encodings = ["json", "msgpack", "cbor", "protobuf"];

    public static ClientWire Current { get; set; } = new(WireEncoding.Json, false);

    public static ClientWire From(LoadSettings settings) =>
        new(WireEncoding.Named("gateway.v1." + settings.Encoding), settings.Deflate);

    /// <summary>A socket that offers the encoding (JSON: no subprotocol, as before) and, if asked, permessage-deflate.</summary>
    public void Configure(ClientWebSocketOptions options)
    {
        if (Encoding.Binary)
        {
            options.AddSubProtocol(Encoding.Subprotocol);
        }

        if (Deflate)
        {
            options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        }
    }
}
