using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace Suite.Load.Clients;

/// <summary>
/// One protocol-v1 client: connects with its token in the <c>access_token</c> query, waits for
/// <c>auth:ok</c>, then keeps a receive loop that hands frames to an observer and answers the
/// server's pings (the runtime answers them while a receive is pending).
/// </summary>
internal sealed class LoadClient : IAsyncDisposable
{
    private const int ReceiveChunk = 16 * 1024;
    private readonly ClientWebSocket _socket = new();
    private Task _receiveLoop = Task.CompletedTask;
    private volatile bool _closing;

    public LoadClient(int index, string userId)
    {
        Index = index;
        UserId = userId;
        // The server pings; the client only answers.
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
    }

    public int Index { get; }

    public string UserId { get; }

    public string? ConnectionId { get; private set; }

    /// <summary>Set when the receive loop ended without our asking (server close, reset).</summary>
    public string? Lost { get; private set; }

    /// <summary>Scenario state attached to this client (e.g. its received-message bitmap).</summary>
    public object? State { get; set; }

    public WebSocketState SocketState => _socket.State;

    /// <summary>Connects and authenticates; returns the time from the first byte to <c>auth:ok</c>.</summary>
    public async Task<TimeSpan> ConnectAsync(Uri webSocketUri, string token, HttpMessageInvoker invoker, IFrameObserver? observer, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var uri = new UriBuilder(webSocketUri) { Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        await _socket.ConnectAsync(uri, invoker, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        try
        {
            var length = await ReceiveMessageAsync(buffer, cancellationToken);
            ConnectionId = ReadAuthOk(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        _receiveLoop = ReceiveLoopAsync(observer);
        return elapsed;
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
    }

    private static string ReadAuthOk(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        string? type = null, connectionId = null, reason = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "type": type = reader.GetString(); break;
                    case "connectionId": connectionId = reader.GetString(); break;
                    case "reason": reason = reader.GetString(); break;
                    default: reader.Skip(); break;
                }
            }
        }

        return type == "auth:ok" && connectionId is not null
            ? connectionId
            : throw new InvalidOperationException($"expected auth:ok, got {type ?? "no type"} {reason}");
    }

    private async Task ReceiveLoopAsync(IFrameObserver? observer)
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

                    observer?.OnFrame(this, buffer.AsSpan(0, length));
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
    }

    private void MarkLost(string reason)
    {
        if (!_closing)
        {
            Lost ??= reason;
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
