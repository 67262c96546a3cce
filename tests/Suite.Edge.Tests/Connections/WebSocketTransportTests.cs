using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Suite.Edge.Connections;
using Suite.Edge.Tests.Integration;

namespace Suite.Edge.Tests.Connections;

/// <summary>
/// The transport hands the socket one client frame at a time, so between frames nothing waits
/// above the pipe and an idle connection can wait on the pipe itself; pongs never reach the socket.
/// </summary>
public sealed class WebSocketTransportTests
{
    private static readonly byte[] Pong = [0x8A, 0x80, 0, 0, 0, 0];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Frames_that_arrive_together_are_read_one_at_a_time_and_the_rest_stays_in_the_pipe()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new ServerEnd();
        var (wire, transport, socket) = (server.Wire, server.Transport, server.Socket);

        await wire.Writer.WriteAsync((byte[])[.. Pong, .. RawClient.TextFrame("first"), .. Pong, .. RawClient.TextFrame("second")], ct);

        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));
        Assert.Equal("first", await ReceiveTextAsync(socket, ct));

        // Had the socket read ahead, "second" would sit in its buffer and this wait would not end.
        var next = transport.WaitForDataAsync();
        Assert.True(next.IsCompleted);
        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await next));
        Assert.Equal("second", await ReceiveTextAsync(socket, ct));
    }

    [Fact]
    public async Task A_pong_is_taken_out_without_waking_the_reader_and_counts_as_an_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = DateTimeOffset.UnixEpoch;
        var interval = TimeSpan.FromSeconds(30);
        var timeout = TimeSpan.FromSeconds(10);
        var wire = new Pipe();
        using var transport = new WebSocketTransport(wire.Reader, new Pipe().Writer, start);
        var pingedAt = start + interval;
        Assert.Equal(HeartbeatOutcome.Pinged, transport.Heartbeat(pingedAt, interval, timeout));

        // Half a pong, then the rest: the reader is told to wait both times.
        await wire.Writer.WriteAsync(Pong.AsMemory(0, 3), ct);
        Assert.Equal(InputArrival.Nothing, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));
        await wire.Writer.WriteAsync(Pong.AsMemory(3), ct);
        Assert.Equal(InputArrival.Nothing, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));

        var idle = transport.WaitForDataAsync();
        Assert.False(idle.IsCompleted);
        Assert.Equal(HeartbeatOutcome.None, transport.Heartbeat(pingedAt + timeout + TimeSpan.FromSeconds(1), interval, timeout));

        await wire.Writer.WriteAsync(RawClient.TextFrame("hello"), ct);
        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await idle.AsTask().WaitAsync(Bound, ct)));
    }

    [Fact]
    public async Task A_closed_transport_ends_the_wait()
    {
        var ct = TestContext.Current.CancellationToken;
        var transport = new WebSocketTransport(new Pipe().Reader, new Pipe().Writer, DateTimeOffset.UnixEpoch);
        var idle = transport.WaitForDataAsync();

        transport.Dispose();

        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await idle.AsTask().WaitAsync(Bound, ct)));
    }

    [Fact]
    public async Task A_client_that_ends_the_connection_after_its_last_frame_is_an_end_not_a_frame_for_the_socket()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new ServerEnd();
        var (wire, transport, socket) = (server.Wire, server.Transport, server.Socket);

        // A last message and a pong, then the client's end of the connection without a close frame.
        await wire.Writer.WriteAsync((byte[])[.. RawClient.TextFrame("last"), .. Pong], ct);
        await wire.Writer.CompleteAsync();

        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));
        Assert.Equal("last", await ReceiveTextAsync(socket, ct));
        Assert.Equal(InputArrival.End, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));
    }

    [Fact]
    public async Task Part_of_a_frame_before_the_end_goes_to_the_socket_which_reports_it_cut_short()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new ServerEnd();
        var (wire, transport, socket) = (server.Wire, server.Transport, server.Socket);

        await wire.Writer.WriteAsync(RawClient.TextFrame("cut short").AsMemory(0, 4), ct);
        await wire.Writer.CompleteAsync();

        Assert.Equal(InputArrival.Frame, transport.FrameArrived(await transport.WaitForDataAsync().AsTask().WaitAsync(Bound, ct)));
        var read = await Assert.ThrowsAsync<WebSocketException>(() => socket.ReceiveAsync(new byte[64].AsMemory(), ct).AsTask().WaitAsync(Bound, ct));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, read.WebSocketErrorCode);
    }

    // The client's bytes go into Wire; the runtime's server WebSocket reads them through Transport.
    private sealed class ServerEnd : IDisposable
    {
        public ServerEnd()
        {
            Transport = new WebSocketTransport(Wire.Reader, new Pipe().Writer, DateTimeOffset.UnixEpoch);
            Socket = WebSocket.CreateFromStream(Transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        }

        public Pipe Wire { get; } = new();

        public WebSocketTransport Transport { get; }

        public WebSocket Socket { get; }

        public void Dispose()
        {
            Socket.Dispose();
            Transport.Dispose();
        }
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct).AsTask().WaitAsync(Bound, ct);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
