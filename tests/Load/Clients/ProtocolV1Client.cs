using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Suite.Load.Targets;

namespace Suite.Load.Clients;

/// <summary>
/// A client of protocol v1 (the suite's, and the ws peer's): connects, sends <c>auth</c> as its first
/// frame and waits for <c>auth:ok</c>, then keeps a receive loop that confirms joins, hands numbered
/// benchmark contents to the observer and answers the server's pings (the runtime answers them while
/// a receive is pending).
/// </summary>
internal sealed class ProtocolV1Client(int index, string userId, IBenchObserver? observer) : IGatewayClient
{
    private const int ReceiveChunk = 16 * 1024;
    private readonly ClientWire _wire = ClientWire.Current;
    private readonly ClientWebSocket _socket = CreateSocket(ClientWire.Current);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pendingJoins = new();
    private Task _receiveLoop = Task.CompletedTask;
    private volatile bool _closing;
    private string? _lost;

    public int Index => index;

    public string UserId => userId;

    public string? Lost => _lost;

    public object? State { get; set; }

    public async Task<TimeSpan> ConnectAsync(EdgeTarget edge, string token, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await _socket.ConnectAsync(edge.WebSocketUri, invoker, cancellationToken);
        await SendAsync(JsonSerializer.Serialize(new { type = "auth", token }), cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        try
        {
            var length = await ReceiveMessageAsync(buffer, cancellationToken);
            if (length < 0)
            {
                throw new InvalidOperationException($"expected auth:ok, got close {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}");
            }

            ExpectAuthOk(AsJson(buffer.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        _receiveLoop = ReceiveLoopAsync();
        return elapsed;
    }

    public async Task JoinAsync(string roomId, CancellationToken cancellationToken)
    {
        var joined = _pendingJoins.GetOrAdd(roomId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await SendAsync(JsonSerializer.Serialize(new { type = "join", roomId }), cancellationToken);
        await joined.Task.WaitAsync(cancellationToken);
    }

    public Task SendToRoomAsync(string roomId, string content, CancellationToken cancellationToken) =>
        SendAsync(JsonSerializer.Serialize(new { type = "message", roomId, content }), cancellationToken);

    public Task SendDirectAsync(string toUserId, string content, CancellationToken cancellationToken) =>
        SendAsync(JsonSerializer.Serialize(new { type = "direct", to = toUserId, content }), cancellationToken);

    /// <summary>Sends any frame of the protocol, as JSON text (the soak's joins with <c>since</c>, its acks).</summary>
    public Task SendJsonAsync(string json, CancellationToken cancellationToken) => SendAsync(json, cancellationToken);

    public void Abort()
    {
        _closing = true;
        _socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
        }

        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private static ClientWebSocket CreateSocket(ClientWire wire)
    {
        var socket = new ClientWebSocket();
        // The server pings; the client only answers.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        wire.Configure(socket.Options);
        return socket;
    }

    private async Task SendAsync(string json, CancellationToken cancellationToken)
    {
        var binary = _wire.Encoding.Binary;
        var bytes = binary ? _wire.Encoding.EncodeClientFrame(json) : Encoding.UTF8.GetBytes(json);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static void ExpectAuthOk(ReadOnlySpan<byte> frame)
    {
        if (Read(frame).Type != "auth:ok")
        {
            throw new InvalidOperationException($"expected auth:ok, got {Encoding.UTF8.GetString(frame)}");
        }
    }

    /// <summary>The top-level fields a load client looks at: type, userId, roomId and a string content (an error frame's code).</summary>
    internal static (string? Type, string? UserId, string? RoomId, string? Content) Read(ReadOnlySpan<byte> frame)
    {
        string? type = null, user = null, room = null, content = null;
        var reader = new Utf8JsonReader(frame);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                switch (name)
                {
                    case "type": type = reader.GetString(); break;
                    case "userId": user = reader.GetString(); break;
                    case "roomId": room = reader.GetString(); break;
                    case "content": content = reader.GetString(); break;
                    case "code": content ??= reader.GetString(); break;
                }
            }
        }
        catch (JsonException)
        {
        }

        return (type, user, room, content);
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        observer?.OnFrame(this, frame);
        var (type, user, room, content) = Read(frame);
        if (room is not null && (type == "joined" || (type == "user:joined" && user == userId)) && _pendingJoins.TryRemove(room, out var join))
        {
            join.TrySetResult();
        }
        else if (type == "error")
        {
            observer?.OnError(this, content ?? "no code");
        }
        else if (content is not null && observer is not null && BenchMarker.TryParse(content, out var n, out var sentAt))
        {
            observer.OnBench(this, n, sentAt);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                // Wait without a buffer, so an idle client holds none.
                var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    MarkLost($"closed by server: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
                try
                {
                    var length = await ReceiveMessageAsync(buffer, CancellationToken.None);
                    if (length < 0)
                    {
                        MarkLost($"closed by server: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
                        return;
                    }

                    OnFrame(AsJson(buffer.AsSpan(0, length)));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            MarkLost(ex.Message);
        }
        finally
        {
            foreach (var pending in _pendingJoins.Values)
            {
                pending.TrySetException(new InvalidOperationException("connection lost before the join was confirmed: " + _lost));
            }
        }
    }

    // A binary encoding's frame read back into the JSON the rest of the client reads.
    private ReadOnlySpan<byte> AsJson(ReadOnlySpan<byte> frame) =>
        _wire.Encoding.Binary ? Encoding.UTF8.GetBytes(_wire.Encoding.DecodeServerFrame(frame.ToArray())) : frame;

    private void MarkLost(string reason)
    {
        if (!_closing)
        {
            Interlocked.CompareExchange(ref _lost, reason, null);
        }
    }

    /// <summary>Reads one whole message into <paramref name="buffer"/> (frames over its size are cut); -1 on close.</summary>
    private async Task<int> ReceiveMessageAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            var target = length < buffer.Length ? buffer.AsMemory(length) : buffer.AsMemory(buffer.Length - 1);
            var result = await _socket.ReceiveAsync(target, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return -1;
            }

            length = Math.Min(buffer.Length, length + result.Count);
            if (result.EndOfMessage)
            {
                return length;
            }
        }
    }
}
