using Grpc.Core;
using Microsoft.Extensions.Logging;
using Suite.Contracts.CallStreams;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// A caller's calls to one upstream over its long-lived <c>Calls</c> stream (a message on an open
/// stream costs both sides a fraction of an HTTP/2 request). The streamed calls are idempotent or
/// read-only (the .proto says so), so one the stream could not complete is made again as a unary
/// call; while the stream is down (1 s), or for an upstream without it (5 min, then asked again),
/// unary calls are all there is. Deadlines and status codes are the unary calls' own.
/// </summary>
public sealed partial class StreamedCalls<TCall, TReply> : IDisposable
    where TCall : class, IStreamedCall
    where TReply : class, IStreamedReply
{
    private static readonly TimeSpan ReopenAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UnimplementedRetryAfter = TimeSpan.FromMinutes(5);

    private readonly string _upstream;
    private readonly Func<AsyncDuplexStreamingCall<TCall, TReply>>? _open;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ICallStreamObserver<TCall, TReply>? _observer;
    private readonly Lock _gate = new();
    private CallStream<TCall, TReply>? _stream;
    private long _streams;
    private DateTimeOffset _openAfter;

    /// <param name="upstream">The upstream's name, for messages and logs ("room", "presence").</param>
    /// <param name="open">Opens a new <c>Calls</c> stream; null: every call is unary.</param>
    /// <param name="observer">Sees the streams' replies, pushes and ends (null: nobody).</param>
    public StreamedCalls(string upstream, Func<AsyncDuplexStreamingCall<TCall, TReply>>? open, TimeProvider time, ILogger logger, ICallStreamObserver<TCall, TReply>? observer = null)
    {
        _upstream = upstream;
        _open = open;
        _time = time;
        _logger = logger;
        _observer = observer;
    }

    /// <summary>
    /// Makes <paramref name="call"/> on the open stream only (calls with no unary RPC of their own):
    /// null when there is no stream, it broke under the call, or the deadline passed.
    /// </summary>
    public async Task<TReply?> TryCallOnStreamAsync(TCall call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (OpenStream() is not { } stream)
        {
            return null;
        }

        call.TimeoutMs = (uint)Math.Ceiling(timeout.TotalMilliseconds);
        var (id, pending) = stream.Start(call);
        try
        {
            return await pending.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or CallStreamBrokenException)
        {
            stream.Forget(id);
            return null;
        }
    }

    /// <summary>
    /// Makes <paramref name="call"/> on the stream, or <paramref name="unary"/> when there is none or
    /// it broke under the call; a status other than OK is thrown as the unary call would throw it.
    /// </summary>
    public async Task<TResponse> CallAsync<TResponse>(
        TCall call,
        Func<TReply, TResponse> pick,
        Func<CallOptions, AsyncUnaryCall<TResponse>> unary,
        DateTime deadline,
        CancellationToken cancellationToken)
    {
        // gRPC deadlines are wall-clock time, so the time left comes from the system clock even when
        // tests drive the reopening pause with a fake one.
        var timeout = deadline - TimeProvider.System.GetUtcNow().UtcDateTime;
        if (OpenStream() is not { } stream || timeout <= TimeSpan.Zero)
        {
            return await unary(new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
        }

        call.TimeoutMs = (uint)Math.Ceiling(Math.Min(timeout.TotalMilliseconds, uint.MaxValue));
        // The stream's headers carry the context of whoever opened it; each call carries its own.
        if (TraceContext.TryGetCurrent(out var traceparent, out var tracestate))
        {
            call.Traceparent = traceparent;
            call.Tracestate = tracestate;
        }

        var (id, pending) = stream.Start(call);
        TReply reply;
        try
        {
            reply = await pending.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            stream.Forget(id);
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the {_upstream} did not answer before the deadline"));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stream.Forget(id);
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
        catch (CallStreamBrokenException ex)
        {
            RetriedUnary(_logger, _upstream, typeof(TCall).Name, ex.InnerException?.Message ?? ex.Message);
            return await unary(new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
        }

        if (reply.StatusCode != (int)StatusCode.OK)
        {
            throw new RpcException(new Status((StatusCode)reply.StatusCode, reply.StatusDetail));
        }

        return pick(reply);
    }

    // The open stream, a new one if the last broke long enough ago, or null: call unary.
    private CallStream<TCall, TReply>? OpenStream()
    {
        if (_open is null)
        {
            return null;
        }

        var current = _stream;
        if (current is { Failure: null })
        {
            return current;
        }

        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_stream is { Failure: { } failure } broken)
            {
                _openAfter = now + (broken.Unimplemented ? UnimplementedRetryAfter : ReopenAfter);
                StreamEnded(_logger, _upstream, failure.Message, _openAfter - now);
                _stream = null;
            }

            if (_stream is null && now >= _openAfter)
            {
                _stream = new CallStream<TCall, TReply>(_open(), _upstream, ++_streams, _observer);
            }

            return _stream;
        }
    }

    /// <summary>Ends the stream (calls still open on it go unary) and makes every later call unary.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stream?.Close();
            _stream = null;
            _openAfter = DateTimeOffset.MaxValue;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "{Upstream} call stream ended ({Reason}); calls go unary for {Pause}")]
    private static partial void StreamEnded(ILogger logger, string upstream, string reason, TimeSpan pause);

    [LoggerMessage(2, LogLevel.Debug, "{Upstream} call {Call} made again unary: the call stream broke ({Reason})")]
    private static partial void RetriedUnary(ILogger logger, string upstream, string call, string reason);
}
