using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Suite.Contracts.CallStreams;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// One open <c>Calls</c> stream, caller's side: calls are written in the order started, replies are
/// matched to them by id in whatever order they come. When the stream fails, every call still open
/// fails with <see cref="CallStreamBrokenException"/> and the stream takes no more.
/// </summary>
/// <remarks>
/// At most <see cref="CallStreamLimits.MaxInFlight"/> calls are on the stream unanswered, as many as
/// the upstream runs at once; the rest wait here. Past that bound the upstream stops reading the
/// stream, and the answers to its pushes (id 0, which take no slot) would wait behind the calls it
/// does not read: presence holds a Connect until the watching stream acknowledged its push, so a
/// stream crowded with Connects of users it watches held them all until their watches lapsed.
/// Answers go out as soon as they are made, ahead of calls waiting for a slot.
/// </remarks>
internal sealed class CallStream<TCall, TReply>
    where TCall : class, IStreamedCall
    where TReply : class, IStreamedReply
{
    private readonly AsyncDuplexStreamingCall<TCall, TReply> _call;
    private readonly Channel<TCall> _outbox = Channel.CreateUnbounded<TCall>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<TCall> _answers = Channel.CreateUnbounded<TCall>(new UnboundedChannelOptions { SingleReader = true });
    // Calls written and not answered yet; released by every reply to a call, open or forgotten.
    private readonly SemaphoreSlim _slots = new(CallStreamLimits.MaxInFlight, CallStreamLimits.MaxInFlight);
    // The request stream takes one write at a time: calls and answers are written by two loops.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly CancellationTokenSource _ended = new();
    private readonly ConcurrentDictionary<ulong, (TCall Call, TaskCompletionSource<TReply> Reply)> _open = new();
    private readonly string _upstream;
    private readonly long _number;
    private readonly ICallStreamObserver<TCall, TReply>? _observer;
    private long _lastId;
    private volatile Exception? _failure;

    /// <param name="number">This stream's number among its caller's streams (<see cref="ICallStreamObserver{TCall, TReply}"/>).</param>
    public CallStream(AsyncDuplexStreamingCall<TCall, TReply> call, string upstream, long number = 0, ICallStreamObserver<TCall, TReply>? observer = null)
    {
        _call = call;
        _upstream = upstream;
        _number = number;
        _observer = observer;
        _ = RunAsync();
    }

    public long Number => _number;

    /// <summary>Why the stream ended, once it has.</summary>
    public Exception? Failure => _failure;

    /// <summary>The upstream has no <c>Calls</c> RPC (an older version): call it unary.</summary>
    public bool Unimplemented => _failure is RpcException { StatusCode: StatusCode.Unimplemented };

    public (ulong Id, Task<TReply> Reply) Start(TCall call)
    {
        var id = (ulong)Interlocked.Increment(ref _lastId);
        call.Id = id;
        var reply = new TaskCompletionSource<TReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Open before written: a failure from now on finds it and fails it.
        _open[id] = (call, reply);
        if (!_outbox.Writer.TryWrite(call))
        {
            _open.TryRemove(id, out _);
            reply.TrySetException(new CallStreamBrokenException(_upstream, _failure));
        }

        return (id, reply.Task);
    }

    /// <summary>The caller stopped waiting (deadline, cancellation): a late reply is dropped.</summary>
    public void Forget(ulong id) => _open.TryRemove(id, out _);

    /// <summary>Ends the stream; calls still open fail as if it broke.</summary>
    public void Close() => Fail(new RpcException(new Status(StatusCode.Cancelled, $"the caller closed its {_upstream} call stream")));

    private async Task RunAsync()
    {
        var writing = WriteAllAsync();
        try
        {
            await foreach (var reply in _call.ResponseStream.ReadAllAsync())
            {
                if (reply.Id == 0 && _observer is not null)
                {
                    if (_observer.Pushed(_number, reply) is { } answer)
                    {
                        answer.Id = 0;
                        _answers.Writer.TryWrite(answer);
                    }

                    continue;
                }

                // The upstream answers every call once; this loop alone releases, so the check holds.
                if (reply.Id != 0 && _slots.CurrentCount < CallStreamLimits.MaxInFlight)
                {
                    _slots.Release();
                }

                if (_open.TryRemove(reply.Id, out var open))
                {
                    _observer?.Replied(_number, open.Call, reply);
                    open.Reply.TrySetResult(reply);
                }
            }

            Fail(new RpcException(new Status(StatusCode.Unavailable, $"the {_upstream} ended the call stream")));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }

        await writing;
        _call.Dispose();
    }

    private Task WriteAllAsync() => Task.WhenAll(WriteCallsAsync(), WriteAnswersAsync());

    private async Task WriteCallsAsync()
    {
        try
        {
            await foreach (var call in _outbox.Reader.ReadAllAsync())
            {
                await _slots.WaitAsync(_ended.Token);
                await WriteAsync(call);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private async Task WriteAnswersAsync()
    {
        try
        {
            await foreach (var answer in _answers.Reader.ReadAllAsync())
            {
                await WriteAsync(answer);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private async Task WriteAsync(TCall message)
    {
        await _writing.WaitAsync(_ended.Token);
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _writing.Release();
        }
    }

    private void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        // Closed before the open calls are failed: a call started from now on fails at once.
        _outbox.Writer.TryComplete();
        _answers.Writer.TryComplete();
        _ended.Cancel();
        foreach (var id in _open.Keys)
        {
            if (_open.TryRemove(id, out var open))
            {
                open.Reply.TrySetException(new CallStreamBrokenException(_upstream, reason));
            }
        }

        _observer?.Ended(_number);
        _call.Dispose();
    }
}
