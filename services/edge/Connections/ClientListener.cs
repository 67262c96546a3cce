using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Suite.Edge.Surfaces;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's own accept loop on every TCP port Kestrel binds (Kestrel asks this factory before its
/// own socket transport). On a client port, a connection whose first bytes are a whole WebSocket
/// upgrade to /ws is answered here and runs on its bare socket (<see cref="SocketReader"/>,
/// <see cref="WebSocketTransport"/>); every other connection, and every connection of the internal
/// port, is handed to Kestrel as its own socket transport would have made it, bytes unread.
/// </summary>
/// <remarks>
/// A connection Kestrel runs costs, beyond the edge's own objects, its socket connection, two pipes,
/// a send loop and a receive loop, the connection's entry in Kestrel's connection manager and the
/// once-a-second heartbeat that walks them all: about half of an idle client's heap
/// (bench/memory.sh) and the largest part of the CPU of holding idle clients. The head is peeked, not
/// read, so a connection handed on is untouched; a head not all there in the first segment goes to
/// Kestrel too, where <see cref="WebSocketHandshake"/> waits for the rest as before.
/// </remarks>
public sealed class ClientListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly SocketTransportOptions _sockets;
    private readonly KestrelServerLimits _limits;
    private readonly int _internalPort;
    private readonly ClientHandshake _handshake;
    private readonly ConnectionHandler _handler;
    private readonly TimeProvider _time;
    private readonly SocketConnectionContextFactory _kestrelConnections;
    private readonly ILogger _logger;

    public ClientListenerFactory(
        IOptions<SocketTransportOptions> sockets,
        IOptions<KestrelServerOptions> kestrel,
        IOptions<EdgeOptions> edge,
        ClientHandshake handshake,
        ConnectionHandler handler,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _sockets = sockets.Value;
        _limits = kestrel.Value.Limits;
        _internalPort = edge.Value.InternalPort;
        _handshake = handshake;
        _handler = handler;
        _time = time;
        _logger = loggers.CreateLogger<ClientListenerFactory>();
        // What Kestrel's own socket transport would make of the same socket, with the same settings.
        _kestrelConnections = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = _sockets.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = _sockets.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = _sockets.MaxReadBufferSize,
                MaxWriteBufferSize = _sockets.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = _sockets.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket listenSocket;
        try
        {
            listenSocket = _sockets.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Kestrel tells this one apart (its message, and the fallbacks of "localhost").
            throw new AddressInUseException(ex.Message, ex);
        }

        listenSocket.Listen(_sockets.Backlog);
        var bound = (IPEndPoint)listenSocket.LocalEndPoint!;
        var clients = !InternalPort.IsInternal(bound.Port, _internalPort);
        return new ValueTask<IConnectionListener>(new ClientListener(this, listenSocket, bound, clients));
    }

    public void Dispose() => _kestrelConnections.Dispose();

    private ConnectionContext ForKestrel(Socket socket) => _kestrelConnections.Create(socket);

    private sealed class ClientListener : IConnectionListener
    {
        // A head longer than this (a very long token in the query, say) is handed to Kestrel.
        private const int HeadPeek = 4096;

        private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(100);

        private readonly ClientListenerFactory _factory;
        private readonly Socket _listenSocket;
        private readonly bool _clients;
        private readonly Channel<ConnectionContext> _handedOn = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly Task _accepting;

        public ClientListener(ClientListenerFactory factory, Socket listenSocket, EndPoint endpoint, bool clients)
        {
            _factory = factory;
            _listenSocket = listenSocket;
            _clients = clients;
            EndPoint = endpoint;
            _accepting = AcceptLoopAsync();
        }

        public EndPoint EndPoint { get; }

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                while (await _handedOn.Reader.WaitToReadAsync(cancellationToken))
                {
                    if (_handedOn.Reader.TryRead(out var connection))
                    {
                        return connection;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            // Unbound: Kestrel's accept loop ends.
            return null;
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _listenSocket.Dispose();
            await _accepting;
        }

        // The clients are not closed here: the drain (EdgeDrain) closed them, or aborted what was left
        // after its timeout, before Kestrel stops.
        public ValueTask DisposeAsync() => UnbindAsync();

        private async Task AcceptLoopAsync()
        {
            try
            {
                while (true)
                {
                    Socket socket;
                    try
                    {
                        socket = await _listenSocket.AcceptAsync();
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                    {
                        // One connection failed between the client's connect and the accept; go on.
                        continue;
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                    {
                        // The listen socket was closed under the accept: unbound.
                        return;
                    }
                    catch (SocketException ex)
                    {
                        // Out of file descriptors or memory: the next accept would fail at once too.
                        // Clients wait in the listen backlog meanwhile, as they would behind Kestrel.
                        ConnectionsLog.AcceptFailed(_factory._logger, EndPoint.ToString() ?? "", ex.SocketErrorCode, AcceptRetry);
                        await Task.Delay(AcceptRetry, _factory._time);
                        continue;
                    }

                    socket.NoDelay = _factory._sockets.NoDelay;
                    if (_clients)
                    {
                        _ = TriageAsync(socket);
                    }
                    else
                    {
                        await HandOnAsync(socket);
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // Unbound.
            }
            finally
            {
                _handedOn.Writer.TryComplete();
            }
        }

        // Waits for the first bytes, bounded like Kestrel's wait for request headers, and decides.
        private async Task TriageAsync(Socket socket)
        {
            UpgradeRequest? request;
            IPAddress? remote;
            try
            {
                using (var timeout = new CancellationTokenSource(_factory._limits.RequestHeadersTimeout))
                {
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token);
                }

                request = PeekUpgrade(socket, out var handOn);
                if (request is null)
                {
                    if (handOn)
                    {
                        await HandOnAsync(socket);
                    }
                    else
                    {
                        socket.Dispose();
                    }

                    return;
                }

                remote = (socket.RemoteEndPoint as IPEndPoint)?.Address;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Silent past the timeout, or gone before it said anything.
                socket.Dispose();
                return;
            }

            // Not awaited: this frame ends with the handshake, and nothing of it stays with the connection
            // (the handler logs what fails; the transport closes the socket when the connection ends).
            var reader = new SocketReader(socket);
            var transport = new WebSocketTransport(reader, output: null, _factory._time.GetUtcNow(), socket, ownsSocket: true);
            _ = _factory._handler.RunAsync(OpenAsync(transport, request, remote, reader.Closed), reader.Closed);
        }

        // Kestrel's from here on; a listener unbound meanwhile takes none, so the connection ends here.
        private async ValueTask HandOnAsync(Socket socket)
        {
            var connection = _factory.ForKestrel(socket);
            if (!_handedOn.Writer.TryWrite(connection))
            {
                await connection.DisposeAsync();
            }
        }

        // Not all of the handshake is ours to finish: a refused one, or a client gone during it, leaves
        // no connection to close the socket, so it is closed here.
        private async Task<ConnectionHandler.Opening> OpenAsync(WebSocketTransport transport, UpgradeRequest request, IPAddress? remote, CancellationToken closed)
        {
            var opening = await _factory._handshake.OpenAsync(transport, request, remote, closed);
            if (opening.Connection is null)
            {
                transport.Dispose();
            }

            return opening;
        }

        // The upgrade the first segment holds, taken off the socket; or null, with whether Kestrel
        // should have the connection (anything else that was sent) or nobody (closed at once).
        private UpgradeRequest? PeekUpgrade(Socket socket, out bool handOn)
        {
            var head = ArrayPool<byte>.Shared.Rent(HeadPeek);
            try
            {
                var peeked = socket.Receive(head, SocketFlags.Peek);
                handOn = peeked > 0;
                var limits = _factory._limits;
                if (!handOn || UpgradeRequest.Parse(new ReadOnlySequence<byte>(head, 0, peeked), limits.MaxRequestLineSize, limits.MaxRequestHeadersTotalSize, limits.MaxRequestHeaderCount, out var request) != UpgradeParse.Ours)
                {
                    return null;
                }

                // The head is all in the socket's buffer: this takes exactly it, and whatever the
                // client sent after it (a first frame) stays there for the transport.
                var length = (int)request!.HeadLength;
                var taken = 0;
                while (taken < length)
                {
                    taken += socket.Receive(head, taken, length - taken, SocketFlags.None);
                }

                return request;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(head);
            }
        }
    }
}
