using System.Net.WebSockets;
using System.Text.Json;

namespace Suite.Testing;

/// <summary>A real ClientWebSocket speaking protocol v1, with every wait bounded.</summary>
public sealed class TestClient : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private TestClient(ClientWebSocket socket, WireEncoding? encoding)
    {
        Socket = socket;
        Encoding = encoding;
    }

    public ClientWebSocket Socket { get; }

    /// <summary>The encoding offered at the upgrade, which frames are written in and read from; null = none offered (JSON).</summary>
    public WireEncoding? Encoding { get; }

    public string? ConnectionId { get; set; }

    /// <param name="encoding">Offered as the only subprotocol; every frame sent and received then uses it, and a frame of the other kind (text/binary) fails the read.</param>
    public static async Task<TestClient> ConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null, WireEncoding? encoding = null)
    {
        var socket = new ClientWebSocket();
        if (encoding is not null)
        {
            socket.Options.AddSubProtocol(encoding.Subprotocol);
        }

        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, cancellationToken).WaitAsync(Wait, cancellationToken);
        return new TestClient(socket, encoding);
    }

    /// <summary>Sends the frame, given as an object serialised to JSON, in the client's encoding.</summary>
    public Task SendAsync(object frame, CancellationToken cancellationToken) =>
        SendFrameAsync(JsonSerializer.Serialize(frame), cancellationToken);

    /// <summary>Sends the frame, given as JSON, in the client's encoding.</summary>
    public Task SendFrameAsync(string json, CancellationToken cancellationToken) =>
        Encoding is { Binary: true } binary
            ? Socket.SendAsync(binary.EncodeClientFrame(json), WebSocketMessageType.Binary, true, cancellationToken).WaitAsync(Wait, cancellationToken)
            : SendTextAsync(json, cancellationToken);

    public Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        Socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).WaitAsync(Wait, cancellationToken);

    /// <summary>The next frame; throws if the server closes instead.</summary>
    public async Task<JsonElement> ReceiveAsync(CancellationToken cancellationToken)
    {
        var (type, bytes) = await ReceiveRawAsync(cancellationToken);
        if (type == WebSocketMessageType.Close)
        {
            throw new InvalidOperationException($"the server closed with {Socket.CloseStatus} '{Socket.CloseStatusDescription}'");
        }

        return JsonDocument.Parse(bytes).RootElement;
    }

    /// <summary>The next frame of <paramref name="type"/>, skipping others.</summary>
    public Task<JsonElement> ReceiveAsync(string type, CancellationToken cancellationToken) =>
        ReceiveAsync(frame => frame.GetProperty("type").GetString() == type, cancellationToken);

    /// <summary>
    /// The next frame of each of <paramref name="types"/>, in whatever order they come (e.g. a normal
    /// and an urgent delivery, which travel on different topics), skipping others.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, JsonElement>> ReceiveEachAsync(IReadOnlyCollection<string> types, CancellationToken cancellationToken)
    {
        var received = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        while (received.Count < types.Count)
        {
            var frame = await ReceiveAsync(f => f.GetProperty("type").GetString() is { } type && types.Contains(type) && !received.ContainsKey(type), cancellationToken);
            received[frame.GetProperty("type").GetString()!] = frame;
        }

        return received;
    }

    /// <summary>The next frame that <paramref name="wanted"/> accepts, skipping others.</summary>
    public async Task<JsonElement> ReceiveAsync(Func<JsonElement, bool> wanted, CancellationToken cancellationToken)
    {
        var skipped = new List<string>();
        while (true)
        {
            JsonElement frame;
            try
            {
                frame = await ReceiveAsync(cancellationToken);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"no wanted frame within {Wait}; skipped: [{string.Join(", ", skipped)}]", ex);
            }

            if (wanted(frame))
            {
                return frame;
            }

            skipped.Add(frame.GetRawText());
        }
    }

    /// <summary>Reads until the server's close frame; returns its code and the frames before it.</summary>
    public async Task<(int? Code, string? Reason, List<JsonElement> Frames)> ReceiveCloseAsync(CancellationToken cancellationToken)
    {
        var frames = new List<JsonElement>();
        while (true)
        {
            var (type, bytes) = await ReceiveRawAsync(cancellationToken);
            if (type == WebSocketMessageType.Close)
            {
                // Answer the close as a browser does, completing the handshake.
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken).WaitAsync(Wait, cancellationToken);
                return ((int?)Socket.CloseStatus, Socket.CloseStatusDescription, frames);
            }

            frames.Add(JsonDocument.Parse(bytes).RootElement);
        }
    }

    private async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveRawAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var result = await Socket.ReceiveAsync(chunk, cancellationToken).WaitAsync(Wait, cancellationToken);
            buffer.Write(chunk, 0, result.Count);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, buffer.ToArray());
            }

            if (result.EndOfMessage)
            {
                return (result.MessageType, AsJson(result.MessageType, buffer.ToArray()));
            }
        }
    }

    // Frames are handed to tests as JSON whatever the encoding, so every assertion reads them one way.
    private byte[] AsJson(WebSocketMessageType type, byte[] frame)
    {
        var binary = Encoding is { Binary: true };
        if ((type == WebSocketMessageType.Binary) != binary)
        {
            throw new InvalidDataException($"a {type} frame on a {Encoding?.Subprotocol ?? "JSON"} connection: {Convert.ToHexString(frame)}");
        }

        return binary ? System.Text.Encoding.UTF8.GetBytes(Encoding!.DecodeServerFrame(frame)) : frame;
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server may already be gone; the socket is disposed either way.
            }
        }

        Socket.Dispose();
    }
}
