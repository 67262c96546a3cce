using Grpc.Core;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// The context one call on a <c>Calls</c> stream runs under, so it can be served by the unary
/// handler of the same name: its own deadline and cancellation (the call's timeout, or the stream
/// ending), never marked as forwarded (an edge's call is served or forwarded like a unary one).
/// </summary>
public sealed class StreamedCallContext : ServerCallContext, IDisposable
{
    private readonly ServerCallContext _stream;
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenSource _cancellation;
    private readonly DateTime _deadline;

    public StreamedCallContext(ServerCallContext stream, uint timeoutMs, TimeProvider time)
    {
        _stream = stream;
        if (timeoutMs == 0)
        {
            _deadline = stream.Deadline;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stream.CancellationToken);
            return;
        }

        var timeout = TimeSpan.FromMilliseconds(timeoutMs);
        _deadline = time.GetUtcNow().UtcDateTime + timeout;
        _timeout = new CancellationTokenSource(timeout, time);
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stream.CancellationToken, _timeout.Token);
    }

    /// <summary>The call ran out of its own time (not the stream's).</summary>
    public bool TimedOut => _timeout?.IsCancellationRequested == true;

    protected override string MethodCore => _stream.Method;

    protected override string HostCore => _stream.Host;

    protected override string PeerCore => _stream.Peer;

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => _cancellation.Token;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => _stream.AuthContext;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("calls on a room call stream do not propagate their context");

    // A unary handler's response headers have nowhere to go on a stream; none of ours writes any.
    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    public void Dispose()
    {
        _cancellation.Dispose();
        _timeout?.Dispose();
    }
}
