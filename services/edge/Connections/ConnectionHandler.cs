using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Edge.Connections;

/// <summary>
/// Runs one accepted WebSocket: accept → register → read loop → finally unregister and release
/// upstream. The <see cref="SendPump"/> writes every frame that had to queue and performs every
/// close, so a close always follows the frames sent or queued before it; a frame for an idle socket
/// is written by its sender (<see cref="Connection.Send"/>), one write at a time.
/// </summary>
public sealed partial class ConnectionHandler(
    ConnectionRegistry registry,
    ClientCommands commands,
    ConnectionLifecycle lifecycle,
    AuthenticationBacklog backlog,
    IOptions<ConnectionOptions> options,
    TimeProvider time,
    EdgeMetrics metrics,
    ILogger<ConnectionHandler> logger,
    ServiceTracing tracing)
{
    // A first read of this size covers almost every client frame; bigger ones grow up to MaxFrameBytes.
    private const int InitialReceiveBuffer = 4 * 1024;

    /// <summary>Runs a connection accepted already (the /ws endpoint of the HTTP pipeline).</summary>
    public Task RunAsync(Connection connection, ClientIdentity? preAuthenticated, CancellationToken aborted) =>
        RunAsync(Task.FromResult(new Opening(connection, preAuthenticated)), aborted);

    /// <summary>
    /// Runs whatever <paramref name="opening"/> turns out to be: the connection the edge's own
    /// handshake accepted, released from its address place at the end; the task serving the
    /// connection instead (not an upgrade: Kestrel's HTTP pipeline); or nothing (refused, dropped).
    /// </summary>
    /// <remarks>
    /// The handshake's caller returns this task to Kestrel instead of awaiting it, so the handshake
    /// and the connection's whole life take one async frame: a handshake frame awaiting the run kept
    /// another ~144 B alive for every idle connection.
    /// </remarks>
    public async Task RunAsync(Task<Opening> opening, CancellationToken aborted)
    {
        var (connection, preAuthenticated, address, instead) = await opening;
        // A parameter lives in the frame: the finished opening would stay referenced for the connection's life.
        opening = null!;
        if (instead is not null)
        {
            await instead;
            return;
        }

        if (connection is null)
        {
            return;
        }

        try
        {
            // An upgrade served by the HTTP pipeline runs under its request's Activity, which is not
            // traced (it would last the connection's life) and whose children would all go unsampled
            // with it: each command starts a trace of its own instead (CommandSpans).
            Activity.Current = null;
            registry.Add(connection);
            backlog.Enter(connection);
            metrics.ConnectionsOpened.Add(1);
            metrics.Connections.Add(1);
            ConnectionsLog.Opened(logger, connection.Id);
            _ = SendPump.Start(connection, metrics.Sends);
            try
            {
                if (preAuthenticated is not null)
                {
                    using var span = CommandSpans.StartConnect(tracing, connection);
                    await lifecycle.ActivateAsync(connection, preAuthenticated, aborted);
                }
                else
                {
                    connection.TransitionTo(ConnectionState.Authenticating);
                }

                // The read loop runs in this method rather than in one of its own: a second async
                // method would keep a second state machine (~180 B) alive for every idle connection.
                // No local for the socket: over the edge's own transport the connection lets go of it
                // between messages, and a local would keep it in this frame while the connection idles.
                var transport = connection.Transport;
                var maxFrame = options.Value.MaxFrameBytes;
                while (connection.SocketState is WebSocketState.Open or WebSocketState.CloseSent)
                {
                    // An idle connection waits holding no receive buffer. Over the edge's own transport
                    // it waits on the pipe itself, so no socket receive (two state machines) is pending
                    // either; otherwise a zero-byte receive. Neither takes a token: a registration would
                    // be kept as long as the connection is idle, and an aborted connection fails the wait
                    // anyway when its transport closes.
                    if (transport is not null)
                    {
                        var arrival = InputArrival.Nothing;
                        while (arrival == InputArrival.Nothing)
                        {
                            arrival = transport.FrameArrived(await transport.WaitForDataAsync());
                        }

                        if (arrival == InputArrival.End)
                        {
                            ClientVanished(connection);
                            return;
                        }
                    }
                    else if ((await connection.Socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None)).MessageType == WebSocketMessageType.Close)
                    {
                        ClientClosed(connection);
                        return;
                    }

                    var message = await ReceiveMessageAsync(connection.Socket, maxFrame, aborted);
                    try
                    {
                        if (message.Type == WebSocketMessageType.Close)
                        {
                            ClientClosed(connection);
                            return;
                        }

                        connection.Touch(time.GetUtcNow());
                        if (message.TooBig)
                        {
                            connection.RequestClose(new CloseRequest(CloseCodes.MessageTooBig, $"frame larger than {maxFrame} bytes", Flush: false));
                            return;
                        }

                        var handling = commands.HandleAsync(connection, message.Type, message.Buffer.AsMemory(0, message.Length), aborted);
                        if (!handling.IsCompleted)
                        {
                            // Waiting on something upstream: a client that leaves meanwhile cancels it.
                            transport?.WatchForEnd();
                        }

                        await handling;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(message.Buffer);
                    }

                    if (connection.Close is not null)
                    {
                        await WaitForClientCloseAsync(connection, options.Value.CloseTimeout, aborted);
                        return;
                    }

                    // A whole message read and handled: the connection goes back to idling, without its socket.
                    connection.ReleaseIdleSocket();
                }
            }
            catch (WebSocketException ex) when (connection.Deflate && ex.WebSocketErrorCode == WebSocketError.Success)
            {
                // The runtime's inflater failed on a compressed message (it throws a bare WebSocketException,
                // the only one without an error code) and aborted the socket without a close frame: the
                // edge sends it, so the client learns why instead of seeing the connection drop (1006).
                await CloseUnreadableAsync(connection);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException || CancelledByAbort(ex, aborted))
            {
                // The client vanished or the heartbeat gave up on it (an upstream call of its last
                // message cancelled with it).
                ClientVanished(connection);
            }
            finally
            {
                connection.RequestClose(new CloseRequest((int)WebSocketCloseStatus.NormalClosure, "", Flush: false));
                await connection.WhenSendsFinished();
                connection.TransitionTo(ConnectionState.Closed);
                backlog.Leave(connection);
                await lifecycle.ReleaseAsync(connection);
                registry.Remove(connection);
                metrics.Connections.Add(-1);
                var code = connection.Close?.Code ?? (int)WebSocketCloseStatus.NormalClosure;
                metrics.ConnectionsClosed.Add(1, new KeyValuePair<string, object?>("code", code));
                ConnectionsLog.Closed(logger, connection.Id, connection.Identity?.UserId, code, connection.Close?.Reason ?? "");
                connection.Socket.Dispose();
            }
        }
        catch (Exception ex)
        {
            // Nobody awaits a connection of the edge's own listener (Kestrel logged its own connections' failures).
            ConnectionsLog.Failed(logger, connection.Id, ex);
        }
        finally
        {
            address.Release();
        }
    }

    // There is nobody to tell, so nothing is flushed; the code is what the close is counted and logged under.
    private static void ClientVanished(Connection connection) =>
        connection.RequestClose(new CloseRequest(CloseCodes.ServiceRestart, "aborted", Flush: false));

    // A gRPC call (or a Dapr call over gRPC) of the connection's message, cancelled because the
    // connection went away: not a failure of anything.
    private static bool CancelledByAbort(Exception ex, CancellationToken aborted) =>
        aborted.IsCancellationRequested
        && (ex is RpcException { StatusCode: StatusCode.Cancelled } || ex.InnerException is RpcException { StatusCode: StatusCode.Cancelled } or OperationCanceledException);

    /// <summary>What an upgrade led to; see <see cref="RunAsync(Task{Opening}, CancellationToken)"/>.</summary>
    public readonly record struct Opening(Connection? Connection, ClientIdentity? Identity, ConnectionCaps.AddressHold Address = default, Task? Instead = null);

    /// <summary>
    /// Reads one whole message, all its fragments, into a pooled buffer the caller returns. The
    /// fragments count together against the limit: once they pass it the message is TooBig at once
    /// and nothing more of it is read, so neither one huge frame nor an endless run of continuation
    /// frames can make the edge read (or buffer) past <paramref name="maxFrame"/> + a buffer's worth.
    /// </summary>
    private static async Task<ReceivedMessage> ReceiveMessageAsync(WebSocket socket, int maxFrame, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                // Below the limit still (else it returned): grow to at most one byte past it, which is
                // enough to tell a message over the limit.
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxFrame + 1));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var received = await socket.ReceiveAsync(buffer.AsMemory(length), aborted);
            length += received.Count;
            if (length > maxFrame)
            {
                return new ReceivedMessage(buffer, length, received.MessageType, TooBig: true);
            }

            if (received.MessageType == WebSocketMessageType.Close || received.EndOfMessage)
            {
                return new ReceivedMessage(buffer, length, received.MessageType, TooBig: false);
            }
        }
    }

    private static async Task CloseUnreadableAsync(Connection connection)
    {
        const string Reason = "invalid compressed data";
        connection.RequestClose(new CloseRequest(CloseCodes.InvalidPayloadData, Reason, Flush: false));
        try
        {
            await connection.Transport!.WriteFrameAsync(WebSocketFrames.Close(CloseCodes.InvalidPayloadData, Reason));
        }
        catch (IOException)
        {
            // Gone already.
        }
    }

    private readonly record struct ReceivedMessage(byte[] Buffer, int Length, WebSocketMessageType Type, bool TooBig);

    private static void ClientClosed(Connection connection) =>
        connection.RequestClose(new CloseRequest((int)WebSocketCloseStatus.NormalClosure, "client closed", Flush: false));

    // After the edge sent its close frame the client answers with its own; stop waiting after a
    // bound. A transport timer like keep-alive, so it runs on the system clock (the sweep enforces
    // the same bound on the edge's clock for closes it starts, when no read loop is waiting here).
    private static async Task WaitForClientCloseAsync(Connection connection, TimeSpan closeTimeout, CancellationToken aborted)
    {
        using var timeout = new CancellationTokenSource(closeTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        try
        {
            while (connection.Socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await connection.Socket.ReceiveAsync(Memory<byte>.Empty, linked.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var discard = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
                try
                {
                    await connection.Socket.ReceiveAsync(discard.AsMemory(), linked.Token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(discard);
                }
            }
        }
        catch (OperationCanceledException)
        {
            connection.Socket.Abort();
        }
    }
}
