using System.Threading.Channels;
using Grpc.Core;
using Suite.Contracts.CallStreams;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// Serves one <c>Calls</c> stream (room.proto, presence.proto): each call runs through
/// <paramref name="serve"/> under its own <see cref="StreamedCallContext"/>, concurrently with the
/// others (a slow call does not hold up the next), and its reply is written as soon as it completes.
/// <paramref name="serve"/> answers every call, failures included (<see cref="StreamedUnary"/>).
/// </summary>
public sealed class CallStreamServer<TCall, TReply>(Func<TCall, StreamedCallContext, Task<TReply>> serve, TimeProvider time)
    where TCall : class, IStreamedCall
    where TReply : class, IStreamedReply
{
    // Calls of one stream running at once; past it the stream is not read, and HTTP/2 flow control
    // holds the caller back. An edge sends at most its clients' frames, each waiting for its reply.
    private const int MaxInFlight = 1024;

    public async Task ServeAsync(IAsyncStreamReader<TCall> calls, IServerStreamWriter<TReply> replies, ServerCallContext stream)
    {
        // One writer: a gRPC stream takes one write at a time.
        var outbox = Channel.CreateUnbounded<TReply>(new UnboundedChannelOptions { SingleReader = true });
        var writing = WriteAllAsync(outbox.Reader, replies);
        using var slots = new SemaphoreSlim(MaxInFlight);
        try
        {
            await foreach (var call in calls.ReadAllAsync(stream.CancellationToken))
            {
                await slots.WaitAsync(stream.CancellationToken);
                _ = RunAsync(call, stream, outbox.Writer, slots);
            }
        }
        finally
        {
            // Every call started is answered (or cancelled with the stream) before the stream ends.
            for (var i = 0; i < MaxInFlight; i++)
            {
                await slots.WaitAsync(CancellationToken.None);
            }

            outbox.Writer.Complete();
            await writing;
        }
    }

    private async Task RunAsync(TCall call, ServerCallContext stream, ChannelWriter<TReply> outbox, SemaphoreSlim slots)
    {
        try
        {
            using var context = new StreamedCallContext(stream, call.TimeoutMs, time);
            var reply = await serve(call, context);
            reply.Id = call.Id;
            outbox.TryWrite(reply);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async Task WriteAllAsync(ChannelReader<TReply> outbox, IServerStreamWriter<TReply> replies)
    {
        try
        {
            await foreach (var reply in outbox.ReadAllAsync())
            {
                await replies.WriteAsync(reply);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The caller went away: its open calls end with the stream, and it retries them unary.
        }
    }
}
