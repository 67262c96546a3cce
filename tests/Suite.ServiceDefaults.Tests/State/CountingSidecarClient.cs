using System.Collections.Concurrent;
using Grpc.Net.Client;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.Tests.State;

/// <summary>A <see cref="SidecarClient"/> whose HTTP handler counts the calls that reach the sidecar, by gRPC method.</summary>
public sealed class CountingSidecarClient : IDisposable
{
    private readonly Counter _counter = new(new SocketsHttpHandler());

    public CountingSidecarClient(string grpcEndpoint, string? apiToken = null) =>
        Client = new SidecarClient(GrpcChannel.ForAddress(grpcEndpoint, new GrpcChannelOptions { HttpHandler = _counter }), apiToken);

    public SidecarClient Client { get; }

    public int Transactions => Calls("ExecuteStateTransaction");

    /// <summary>How many calls of the Dapr API method <paramref name="method"/> (e.g. "PublishEvent") were sent.</summary>
    public int Calls(string method) => _counter.Counts.GetValueOrDefault(method);

    public void Dispose() => Client.Dispose();

    private sealed class Counter(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public ConcurrentDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var method = request.RequestUri?.AbsolutePath.Split('/')[^1] ?? "";
            Counts.AddOrUpdate(method, 1, (_, n) => n + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
