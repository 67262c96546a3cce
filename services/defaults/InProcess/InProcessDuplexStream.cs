using System.Threading.Channels;
using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// One duplex-streaming call to a method served in this process (<see cref="InProcessEndpoints.AttachDuplex"/>),
/// both ends of it: the caller's <see cref="Call"/> and the method's reader, writer and context. The
/// messages go each way through a bounded queue as <see cref="InProcessMessage"/>s, one thread-pool hop per
/// message and no HTTP request. The call ends as it would on the network: the method's status
/// (its <see cref="RpcException"/>, any other exception as UNKNOWN) after the messages it wrote; the
/// caller's dispose or cancellation as CANCELLED and a passed deadline as DEADLINE_EXCEEDED, which
/// cancel the method's token and fail its reads; a message over the caller's receive limit as
/// RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class InProcessDuplexStream<TRequest, TResponse>
    where TRequest : class
    where TResponse : class
{
    // Messages each way that may wait unread; a writer past it waits, as HTTP/2's flow control holds it.
    private const int Capacity = 64;

    private readonly Channel<InProcessMessage> _requests = Channel.CreateBounded<InProcessMessage>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly Channel<InProcessMessage> _responses = Channel.CreateBounded<InProcessMessage>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The method's token: cancelled when the call ends before the method did.
    private readonly CancellationTokenSource _aborted = new();
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly bool _throwOperationCanceledOnCancellation;
    private readonly int? _maxReceiveMessageSize;
    // Not disposed: the call may end inside its callback; its timer goes when it fires.
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenRegistration _callerCancelled;
    private readonly CancellationTokenRegistration _deadlinePassed;
    private volatile Ended? _ended;

    public InProcessDuplexStream(Method<TRequest, TResponse> method, CallOptions options, bool throwOperationCanceledOnCancellation, int? maxReceiveMessageSize)
    {
        _method = method;
        _options = options;
        _throwOperationCanceledOnCancellation = throwOperationCanceledOnCancellation;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        Call = new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new CallerWriter(this),
            new CallerReader(this),
            _headers.Task,
            () => _ended?.Status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete."),
            () => _ended?.Trailers ?? throw new InvalidOperationException("Can't get the call trailers because the call is not complete."),
            () => End(InProcessStatus.CancelledByCaller()));
        _callerCancelled = options.CancellationToken.Register(static s => ((InProcessDuplexStream<TRequest, TResponse>)s!).End(InProcessStatus.CancelledByCaller()), this);
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var left = deadline.ToUniversalTime() - DateTime.UtcNow;
            _deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            _deadlinePassed = _deadline.Token.Register(static s => ((InProcessDuplexStream<TRequest, TResponse>)s!).End(InProcessStatus.DeadlineExceeded()), this);
        }
    }

    /// <summary>The caller's end.</summary>
    public AsyncDuplexStreamingCall<TRequest, TResponse> Call { get; }

    /// <summary>Runs <paramref name="method"/> for this call (on the thread pool, as a server would), <paramref name="addHeaders"/> first.</summary>
    public void Start(InProcessDuplexCall method, string host, Metadata headers, Func<Metadata, Task>? addHeaders)
    {
        var context = new InProcessServerCallContext(_method.FullName, host, _options.Deadline ?? DateTime.MaxValue, headers, _aborted.Token, WriteHeaders);
        _ = Task.Run(async () =>
        {
            try
            {
                if (addHeaders is not null)
                {
                    await addHeaders(headers);
                }

                await method(new MethodReader(this), new MethodWriter(this), context);
                End(context.Status.StatusCode == StatusCode.OK ? Status.DefaultSuccess : context.Status, context.ResponseTrailers);
            }
            catch (RpcException ex)
            {
                End(ex.Status, ex.Trailers);
            }
            catch (Exception ex)
            {
                // An ended call keeps its status.
                End(InProcessStatus.Unknown(ex));
            }
        });
    }

    /// <summary>Ends the call with <paramref name="status"/> before any method runs.</summary>
    public void Refuse(Status status) => End(status);

    private void WriteHeaders(Metadata headers) => _headers.TrySetResult(headers);

    // The first outcome is the call's. Whatever the method wrote stays readable; one that ended
    // before the method did cancels it and fails its reads and writes.
    private void End(Status status, Metadata? trailers = null)
    {
        if (Interlocked.CompareExchange(ref _ended, new Ended(status, trailers ?? []), null) is not null)
        {
            return;
        }

        _headers.TrySetResult([]);
        _responses.Writer.TryComplete();
        _requests.Writer.TryComplete(new IOException("The client reset the request stream."));
        _aborted.Cancel();
        // Unregistered without waiting: End may run inside either callback.
        _callerCancelled.Unregister();
        _deadlinePassed.Unregister();
    }

    private sealed record Ended(Status Status, Metadata Trailers);

    // A write waits (while the other side has not read the queue's worth) until the call ends or the
    // writer's token is cancelled; without waiting, it costs nothing but the queue.
    private async Task WriteAsync(ChannelWriter<InProcessMessage> queue, InProcessMessage message, CancellationToken cancellationToken)
    {
        if (queue.TryWrite(message))
        {
            return;
        }

        using var either = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _aborted.Token) : null;
        await queue.WriteAsync(message, either?.Token ?? _aborted.Token);
    }

    // What the caller gets for a call that ended: the status as an RpcException, or the caller's own
    // cancellation as the channel's options say.
    private Exception Failure(Status status) =>
        status.StatusCode == StatusCode.Cancelled && _throwOperationCanceledOnCancellation && _options.CancellationToken.IsCancellationRequested
            ? new OperationCanceledException(_options.CancellationToken)
            : new RpcException(status, _ended?.Trailers ?? []);

    private sealed class CallerWriter(InProcessDuplexStream<TRequest, TResponse> stream) : IClientStreamWriter<TRequest>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task CompleteAsync()
        {
            stream._requests.Writer.TryComplete();
            return Task.CompletedTask;
        }

        public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
        {
            if (stream._ended is { } ended)
            {
                throw WriteFailure(ended.Status);
            }

            try
            {
                await stream.WriteAsync(stream._requests.Writer, InProcessMessage.Of(stream._method.RequestMarshaller, message), cancellationToken);
            }
            catch (Exception ex) when ((ex is OperationCanceledException or ChannelClosedException) && stream._ended is { } ending)
            {
                throw WriteFailure(ending.Status);
            }
        }

        private Exception WriteFailure(Status status) =>
            status.StatusCode == StatusCode.OK ? new InvalidOperationException("Can't write the message because the call is complete.") : stream.Failure(status);
    }

    private sealed class CallerReader(InProcessDuplexStream<TRequest, TResponse> stream) : IAsyncStreamReader<TResponse>
    {
        public TResponse Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var responses = stream._responses.Reader;
            InProcessMessage? message;
            try
            {
                while (!responses.TryRead(out message))
                {
                    if (!await responses.WaitToReadAsync(cancellationToken))
                    {
                        var status = stream._ended!.Status;
                        return status.StatusCode == StatusCode.OK ? false : throw stream.Failure(status);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // As grpc-dotnet: cancelling a read cancels the call.
                stream.End(InProcessStatus.CancelledByCaller());
                throw stream._throwOperationCanceledOnCancellation ? new OperationCanceledException(cancellationToken) : new RpcException(stream._ended!.Status);
            }

            if (InProcessStatus.OverLimit(message, stream._maxReceiveMessageSize) is { } exhausted)
            {
                // The caller's own limit on what it receives, as on the network: the call ends.
                stream.End(exhausted);
                throw new RpcException(exhausted);
            }

            Current = message.Read(stream._method.ResponseMarshaller);
            return true;
        }
    }

    private sealed class MethodReader(InProcessDuplexStream<TRequest, TResponse> stream) : IAsyncStreamReader<InProcessMessage>
    {
        public InProcessMessage Current { get; private set; } = null!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var requests = stream._requests.Reader;
            InProcessMessage? message;
            while (!requests.TryRead(out message))
            {
                if (!await requests.WaitToReadAsync(cancellationToken))
                {
                    return false;
                }
            }

            Current = message;
            return true;
        }
    }

    private sealed class MethodWriter(InProcessDuplexStream<TRequest, TResponse> stream) : IServerStreamWriter<InProcessMessage>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(InProcessMessage message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(InProcessMessage message, CancellationToken cancellationToken)
        {
            if (stream._ended is not null)
            {
                throw new InvalidOperationException("Can't write the message because the request is complete.");
            }

            stream._headers.TrySetResult([]);
            await stream.WriteAsync(stream._responses.Writer, message, cancellationToken);
        }
    }
}
