using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Suite.Contracts.Room.V1;

namespace Suite.Edge.Upstream;

/// <summary>
/// One open <c>RoomService.Calls</c> stream: calls are written in the order started, replies are
/// matched to them by id in whatever order they come. When the stream fails, every call still open
/// fails with <see cref="RoomStreamBrokenException"/> and the stream takes no more.
/// </summary>
internal sealed class RoomCallStream
{
    private readonly AsyncDuplexStreamingCall<RoomCall, RoomCallReply> _call;
    private readonly Channel<RoomCall> _outbox = Channel.CreateUnbounded<RoomCall>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<RoomCallReply>> _open = new();
    private long _lastId;
    private volatile Exception? _failure;

    public RoomCallStream(RoomService.RoomServiceClient client)
    {
        _call = client.Calls();
        _ = RunAsync();
    }

    /// <summary>Why the stream ended, once it has.</summary>
    public Exception? Failure => _failure;

    /// <summary>The room has no <c>Calls</c> RPC (an older room): call it unary.</summary>
    public bool Unimplemented => _failure is RpcException { StatusCode: StatusCode.Unimplemented };

    public (ulong Id, Task<RoomCallReply> Reply) Start(RoomCall call)
    {
        var id = (ulong)Interlocked.Increment(ref _lastId);
        call.Id = id;
        var reply = new TaskCompletionSource<RoomCallReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Open before written: a failure from now on finds it and fails it.
        _open[id] = reply;
        if (!_outbox.Writer.TryWrite(call))
        {
            _open.TryRemove(id, out _);
            reply.TrySetException(new RoomStreamBrokenException(_failure));
        }

        return (id, reply.Task);
    }

    /// <summary>The caller stopped waiting (deadline, cancellation): a late reply is dropped.</summary>
    public void Forget(ulong id) => _open.TryRemove(id, out _);

    /// <summary>Ends the stream; calls still open fail as if it broke.</summary>
    public void Close() => Fail(new RpcException(new Status(StatusCode.Cancelled, "the edge closed its room call stream")));

    private async Task RunAsync()
    {
        var writing = WriteAllAsync();
        try
        {
            await foreach (var reply in _call.ResponseStream.ReadAllAsync())
            {
                if (_open.TryRemove(reply.Id, out var open))
                {
                    open.TrySetResult(reply);
                }
            }

            Fail(new RpcException(new Status(StatusCode.Unavailable, "the room ended the call stream")));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }

        await writing;
        _call.Dispose();
    }

    private async Task WriteAllAsync()
    {
        try
        {
            await foreach (var call in _outbox.Reader.ReadAllAsync())
            {
                await _call.RequestStream.WriteAsync(call);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
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
        foreach (var id in _open.Keys)
        {
            if (_open.TryRemove(id, out var open))
            {
                open.TrySetException(new RoomStreamBrokenException(reason));
            }
        }

        _call.Dispose();
    }
}

/// <summary>A call could not be completed on the room call stream; it is safe to make it again.</summary>
internal sealed class RoomStreamBrokenException(Exception? reason)
    : Exception("the room call stream broke: " + reason?.Message, reason);
