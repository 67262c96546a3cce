using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Suite.Edge.Tests.Integration;

/// <summary>A client on a bare TCP socket, for what ClientWebSocket cannot send or show: hand-written requests and raw frames.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
        return new RawClient(tcp);
    }

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    public static string Upgrade(string target = "/ws", string? key = null, string version = "13", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + (key is null ? "" : $"Sec-WebSocket-Key: {key}\r\n")
        + $"Sec-WebSocket-Version: {version}\r\n{extra}\r\n";

    /// <summary>A masked text frame, as a client must send it.</summary>
    public static byte[] TextFrame(string text) => Frame(opcode: 1, fin: true, Encoding.UTF8.GetBytes(text));

    /// <summary>A masked frame of any opcode (0 = continuation), final or not: fragments of a message.</summary>
    /// <param name="compressed">RSV1 set: a permessage-deflate message.</param>
    public static byte[] Frame(int opcode, bool fin, byte[] payload, bool compressed = false)
    {
        var first = (byte)((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode);
        var mask = RandomNumberGenerator.GetBytes(4);
        var header = payload.Length < 126
            ? new byte[] { first, (byte)(0x80 | payload.Length) }
            : [first, 0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length];
        var frame = new byte[header.Length + 4 + payload.Length];
        header.CopyTo(frame, 0);
        mask.CopyTo(frame, header.Length);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header.Length + 4 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }

    public Task SendAsync(string text, CancellationToken cancellationToken) => SendAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken) => await _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>The response head (status line and headers); what follows it stays for the next read.</summary>
    public async Task<string> ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString([.. _pending]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.RemoveRange(0, end + 4);
                return text[..(end + 4)];
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("closed before the end of the response head: " + text);
            }
        }
    }

    /// <summary>Everything until the server closes the connection.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken)
    {
        while (await FillAsync(cancellationToken))
        {
        }

        return Encoding.ASCII.GetString([.. _pending]);
    }

    /// <summary>Ends the client's side of the connection (a FIN), as a client that goes away without a close frame.</summary>
    public void EndSending() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>True when the server closed (or reset) the connection before sending anything more.</summary>
    public async Task<bool> ClosedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return !await FillAsync(cancellationToken);
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>One unmasked server frame.</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var (first, payload) = await ReadFrameWithFlagsAsync(cancellationToken);
        return (first & 0x0F, payload);
    }

    /// <summary>One unmasked server frame with its first byte whole: FIN, RSV1-3 and the opcode.</summary>
    public async Task<(byte First, byte[] Payload)> ReadFrameWithFlagsAsync(CancellationToken cancellationToken)
    {
        await NeedAsync(2, cancellationToken);
        var first = _pending[0];
        var length = _pending[1] & 0x7F;
        var offset = 2;
        if (length == 126)
        {
            await NeedAsync(4, cancellationToken);
            length = (_pending[2] << 8) | _pending[3];
            offset = 4;
        }

        await NeedAsync(offset + length, cancellationToken);
        var payload = _pending.GetRange(offset, length).ToArray();
        _pending.RemoveRange(0, offset + length);
        return (first, payload);
    }

    public async Task<string> ReadTextFrameAsync(CancellationToken cancellationToken)
    {
        var (opcode, payload) = await ReadFrameAsync(cancellationToken);
        Assert.Equal(1, opcode);
        return Encoding.UTF8.GetString(payload);
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task NeedAsync(int count, CancellationToken cancellationToken)
    {
        while (_pending.Count < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"closed with {_pending.Count} of {count} bytes");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var read = await _stream.ReadAsync(buffer, cancellationToken).AsTask().WaitAsync(Bound, cancellationToken);
        _pending.AddRange(buffer.AsSpan(0, read));
        return read > 0;
    }
}
