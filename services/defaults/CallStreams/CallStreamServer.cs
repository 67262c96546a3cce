using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using Suite.Contracts.CallStreams;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// Serves one <c>Calls</c> stream (room.proto, presence.proto): each call runs through
/// <paramref name="serve"/> under its own <see cref="StreamedCallContext"/>, concurrently with the
/// others (a slow call does not hold up the next), and its reply is written as soon as it completes.
/// <paramref name="serve"/> answers every call, failures included (<see cref="StreamedUnary"/>).
/// </summary>
/// <remarks>
/// With <paramref name="tracing"/> listened to, each call is a server span of its own named like
/// the unary RPC (<paramref name="spanName"/>), continuing the caller's trace context carried in the
/// call, not the stream's request (which lives as long as the caller and is not traced).
/// A call with id 0 is no call but the caller's answer to a message the server pushed; it goes to
/// <paramref name="answered"/> on the read loop and gets no reply.
/// </remarks>
public sealed class CallStreamServer<TCall, TReply>(
    Func<TCall, StreamedCallContext, Task<TReply>> serve,
    TimeProvider time,
    ServiceTracing? tracing = null,
    Func<TCall, string>? spanName = null,
    Action<TCall>? answered = null)
    where TCall : class, IStreamedCall
    where TReply : class, IStreamedReply
{
    // Calls of one stream running at once; past it the stream is not read, and HTTP/2 flow control
    // holds the caller back. An edge sends at most its clients' frames, each waiting for its reply.
    private const int MaxInFlight = 1024;

    /// <param name="outbox">What is written to the stream, in order; the server may push its own
    /// messages (id 0) into it. Null: one of its own. Completed when the stream ends.</param>
    public async Task ServeAsync(IAsyncStreamReader<TCall> calls, IServerStreamWriter<TReply> replies, ServerCallContext stream, Channel<TReply>? outbox = null)
    {
        // One writer: a gRPC stream takes one write at a time.
        outbox ??= Channel.CreateUnbounded<TReply>(new UnboundedChannelOptions { SingleReader = true });
        var writing = WriteAllAsync(outbox.Reader, replies);
        using var slots = new SemaphoreSlim(MaxInFlight);
        try
        {
            await foreach (var call in calls.ReadAllAsync(stream.CancellationToken))
            {
                if (call.Id == 0 && answered is not null)
                {
                    answered(call);
                    continue;
                }

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
        // The stream's request Activity (untraced, see ServiceDefaults) is no parent for its calls.
        Activity.Current = null;
        using var span = tracing is { Enabled: true } ? tracing.StartContinuing(spanName?.Invoke(call) ?? stream.Method, ActivityKind.Server, call.Traceparent, call.Tracestate) : null;
        try
        {
            using var context = new StreamedCallContext(stream, call.TimeoutMs, time);
            var reply = await serve(call, context);
            reply.Id = call.Id;
            if (span is not null && reply.StatusCode != 0)
            {
                span.SetTag("rpc.grpc.status_code", reply.StatusCode);
                span.SetStatus(ActivityStatusCode.Error, reply.StatusDetail);
            }

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
