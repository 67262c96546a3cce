using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>What a method called in this process sees of its call: the caller's headers, deadline and cancellation.</summary>
/// <param name="headersWritten">Where the response headers the method writes go (a stream's caller waits for them).</param>
internal sealed class InProcessServerCallContext(string method, string host, DateTime deadline, Metadata headers, CancellationToken cancellationToken, Action<Metadata>? headersWritten = null) : ServerCallContext
{
    private readonly Metadata _trailers = [];

    protected override string MethodCore => method;

    protected override string HostCore => host;

    protected override string PeerCore => "in-process";

    protected override DateTime DeadlineCore => deadline;

    protected override Metadata RequestHeadersCore => headers;

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore => _trailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, new Dictionary<string, List<AuthProperty>>());

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Propagation tokens are not supported in-process.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        headersWritten?.Invoke(responseHeaders);
        return Task.CompletedTask;
    }
}
