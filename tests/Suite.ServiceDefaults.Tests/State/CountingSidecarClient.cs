using Grpc.Net.Client;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.Tests.State;

/// <summary>A <see cref="SidecarClient"/> whose HTTP handler counts the state transactions that reach the sidecar.</summary>
public sealed class CountingSidecarClient : IDisposable
{
    private readonly Counter _counter = new(new SocketsHttpHandler());

    public CountingSidecarClient(string grpcEndpoint) =>
        Client = new SidecarClient(GrpcChannel.ForAddress(grpcEndpoint, new GrpcChannelOptions { HttpHandler = _counter }), apiToken: null);

    public SidecarClient Client { get; }

    public int Transactions => Volatile.Read(ref _counter.Transactions);

    public void Dispose() => Client.Dispose();

    private sealed class Counter(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public int Transactions;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.EndsWith("/ExecuteStateTransaction", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref Transactions);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
