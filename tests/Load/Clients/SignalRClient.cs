using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Suite.Load.Targets;

namespace Suite.Load.Clients;

/// <summary>
/// A client of the SignalR peer: the stock .NET hub client over WebSockets with the JSON hub
/// protocol, negotiation skipped (one upgrade request, like a v1 client). Its socket is opened through
/// the fleet's invoker, so connections spread over the loopback source addresses like every other client.
/// </summary>
internal sealed class SignalRClient(int index, string userId, IBenchObserver? observer) : IGatewayClient
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pendingJoins = new();
    private HubConnection? _connection;
    private volatile ClientWebSocket? _socket;
    private volatile bool _closing;
    private string? _lost;

    public int Index => index;

    public string UserId => userId;

    public string? Lost => _lost;

    public object? State { get; set; }

    public async Task<TimeSpan> ConnectAsync(EdgeTarget edge, string token, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        var hub = new Uri(edge.HttpUri, "hub");
        _connection = new HubConnectionBuilder()
            .WithUrl(hub, HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.WebSocketFactory = async (context, ct) =>
                {
                    var socket = new ClientWebSocket();
                    // The factory replaces the client's own, which is where the token would be added.
                    socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
                    // Keep-alive is the hub protocol's ping, as the stock client does it.
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    _socket = socket;
                    try
                    {
                        await socket.ConnectAsync(context.Uri, invoker, ct);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }

                    return socket;
                };
            })
            .Build();
        _connection.On<string, string, long>("message", OnMessage);
        _connection.On<string, string>("userJoined", OnUserJoined);
        _connection.Closed += OnClosed;

        var started = Stopwatch.GetTimestamp();
        await _connection.StartAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    public async Task JoinAsync(string roomId, CancellationToken cancellationToken)
    {
        var joined = _pendingJoins.GetOrAdd(roomId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // The hub announces userJoined to the group before the invocation completes; the pending
        // entry is in place first, so that announcement is never missed.
        await Connection.InvokeAsync("Join", roomId, cancellationToken);
        await joined.Task.WaitAsync(cancellationToken);
    }

    // Fire-and-forget (no invocation id, no completion awaited), like a v1 message frame.
    public Task SendToRoomAsync(string roomId, string content, CancellationToken cancellationToken) =>
        Connection.SendAsync("Send", roomId, content, cancellationToken);

    public Task SendDirectAsync(string toUserId, string content, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the SignalR peer has no user-to-user message");

    public void Abort()
    {
        _closing = true;
        _socket?.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        if (_connection is null)
        {
            return;
        }

        // A graceful stop sends a close frame and waits for the server's; a server that does not
        // answer must not hold the fleet's shutdown, so the socket is aborted after a while.
        var stop = _connection.DisposeAsync().AsTask();
        if (await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(2))) != stop)
        {
            _socket?.Abort();
        }

        await stop;
        _socket?.Dispose();
    }

    private HubConnection Connection => _connection ?? throw new InvalidOperationException("not connected");

    private void OnMessage(string from, string content, long timestampMs)
    {
        if (observer is not null && BenchMarker.TryParse(content, out var n, out var sentAt))
        {
            observer.OnBench(this, n, sentAt);
        }
    }

    private void OnUserJoined(string joinedUserId, string roomId)
    {
        if (joinedUserId == userId && _pendingJoins.TryRemove(roomId, out var join))
        {
            join.TrySetResult();
        }
    }

    private Task OnClosed(Exception? error)
    {
        if (!_closing)
        {
            Interlocked.CompareExchange(ref _lost, error is null ? "closed by server" : error.GetBaseException().Message, null);
        }

        foreach (var pending in _pendingJoins.Values)
        {
            pending.TrySetException(new InvalidOperationException("connection lost before the join was confirmed: " + _lost));
        }

        return Task.CompletedTask;
    }
}
