using System.Net.WebSockets;
using Suite.Testing;

namespace Suite.Load.Clients;

/// <summary>
/// What protocol-v1 clients put on the wire: an encoding (the subprotocol) and whether they offer
/// permessage-deflate. <see cref="Current"/> is set per scenario run, for the clients made within it.
/// </summary>
internal sealed record ClientWire(WireEncoding Encoding, bool Deflate)
{
    public static readonly string[] Encodings = ["json", "msgpack", "cbor", "protobuf"];

    private static readonly AsyncLocal<ClientWire?> CurrentWire = new();

    /// <summary>
    /// What a client made now speaks: set by the scenario runner for everything its scenario starts
    /// (an async-local, so runs side by side, as in the tests, keep their own); JSON without deflate
    /// elsewhere.
    /// </summary>
    public static ClientWire Current
    {
        get => CurrentWire.Value ?? Plain;
        set => CurrentWire.Value = value;
    }

    private static readonly ClientWire Plain = new(WireEncoding.Json, false);

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
