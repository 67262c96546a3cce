using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// The addresses of servers in this process that take requests in memory. The embedded suite runs
/// every service and sidecar in one process: a gRPC call from one to another need not cross a
/// socket and HTTP/2 framing twice (about half the embedded suite's CPU at the seed's load). It
/// reserves each of its servers' addresses here before starting anything, each server attaches its
/// in-memory handler when it starts, and a channel made for a reserved address
/// (<see cref="HandlerOr"/>) sends every request through it. The unary and duplex-streaming methods
/// a server attaches (<see cref="AttachUnary"/>, <see cref="AttachDuplex"/>) are called without a
/// request at all by the call invokers of <see cref="CallInvokerFor"/>. A process that reserves
/// nothing (each service run on its own) keeps every call on the network.
/// </summary>
public static class InProcessEndpoints
{
    private static readonly ConcurrentDictionary<string, Endpoint> Endpoints = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Calls to <paramref name="address"/> (scheme, host and port) made in this process stay in it
    /// until the reservation is disposed; until a server attaches (<see cref="Attach"/>) they fail as
    /// a refused connection would.
    /// </summary>
    /// <exception cref="InvalidOperationException">The address is reserved already.</exception>
    public static IDisposable Reserve(Uri address)
    {
        var key = Key(address);
        var endpoint = new Endpoint(address);
        if (!Endpoints.TryAdd(key, endpoint))
        {
            throw new InvalidOperationException($"{key} is reserved in this process already.");
        }

        return new Reservation(key, endpoint);
    }

    /// <summary>
    /// <paramref name="server"/> takes the calls to <paramref name="address"/> if it is reserved, until
    /// the returned attachment is disposed (calls fail as refused again); else nothing happens.
    /// </summary>
    public static IDisposable Attach(Uri address, HttpMessageHandler server)
    {
        var invoker = new HttpMessageInvoker(server, disposeHandler: true);
        if (!Endpoints.TryGetValue(Key(address), out var endpoint))
        {
            return invoker;
        }

        endpoint.Server = invoker;
        return new Attachment(endpoint, invoker);
    }

    /// <summary>
    /// <paramref name="methods"/> (by full name, e.g. <c>/dapr.proto.runtime.v1.Dapr/GetState</c>) are
    /// called directly by the channels of <see cref="CallInvokerFor"/> while the returned attachment
    /// lasts, if <paramref name="address"/> is reserved; else nothing happens.
    /// </summary>
    public static IDisposable AttachUnary(Uri address, IReadOnlyDictionary<string, InProcessUnaryCall> methods)
    {
        if (!Endpoints.TryGetValue(Key(address), out var endpoint))
        {
            return new MethodsAttachment(() => { });
        }

        endpoint.Unary = methods;
        return new MethodsAttachment(() => Interlocked.CompareExchange(ref endpoint.Unary, null, methods));
    }

    /// <summary>
    /// <paramref name="methods"/>, duplex-streaming ones (e.g. <c>/suite.room.v1.RoomService/Calls</c>),
    /// are called directly by the channels of <see cref="CallInvokerFor"/> while the returned attachment
    /// lasts, if <paramref name="address"/> is reserved; else nothing happens.
    /// </summary>
    public static IDisposable AttachDuplex(Uri address, IReadOnlyDictionary<string, InProcessDuplexCall> methods)
    {
        if (!Endpoints.TryGetValue(Key(address), out var endpoint))
        {
            return new MethodsAttachment(() => { });
        }

        endpoint.Duplex = methods;
        return new MethodsAttachment(() => Interlocked.CompareExchange(ref endpoint.Duplex, null, methods));
    }

    /// <summary>
    /// The call invoker of <paramref name="channel"/> (to <paramref name="address"/>, made with
    /// <paramref name="options"/>), calling the unary and duplex-streaming methods its server serves in
    /// this process directly (<see cref="AttachUnary"/>, <see cref="AttachDuplex"/>) within the
    /// channel's receive limit and cancellation style.
    /// </summary>
    /// <param name="credentials">What the channel's call credentials add to every call's headers, if any
    /// (they apply to HTTP requests only, so the direct calls add it themselves).</param>
    public static CallInvoker CallInvokerFor(Uri address, GrpcChannel channel, GrpcChannelOptions options, Func<Metadata, Task>? credentials = null) =>
        Key(address) is var key && Endpoints.ContainsKey(key)
            ? channel.Intercept(new InProcessCallInterceptor(address, key, options.ThrowOperationCanceledOnCancellation, options.MaxReceiveMessageSize, credentials))
            : channel.CreateCallInvoker();

    /// <param name="key">The address's <see cref="Key"/>, made once per channel rather than per call.</param>
    internal static InProcessUnaryCall? FindUnary(string key, string method) =>
        Endpoints.TryGetValue(key, out var endpoint) && endpoint.Unary is { } methods && methods.TryGetValue(method, out var call) ? call : null;

    /// <inheritdoc cref="FindUnary"/>
    internal static InProcessDuplexCall? FindDuplex(string key, string method) =>
        Endpoints.TryGetValue(key, out var endpoint) && endpoint.Duplex is { } methods && methods.TryGetValue(method, out var call) ? call : null;

    /// <summary>Whether a server in this process attached its duplex methods to the address (<see cref="AttachDuplex"/>).</summary>
    internal static bool ServesDuplex(string key) => Endpoints.TryGetValue(key, out var endpoint) && endpoint.Duplex is not null;

    /// <summary>
    /// A handler sending every request in memory to the server reserved at <paramref name="address"/>,
    /// or <paramref name="network"/>'s when the address is not reserved in this process. Disposing the
    /// in-memory one leaves the server alone, as an HttpClientFactory that rotates its handlers does.
    /// </summary>
    public static HttpMessageHandler HandlerOr(Uri address, Func<HttpMessageHandler> network) =>
        Endpoints.TryGetValue(Key(address), out var endpoint) ? new EndpointHandler(endpoint) : network();

    private static string Key(Uri address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address.Scheme}://{address.Host}:{address.Port}");

    private sealed class Endpoint(Uri address)
    {
        public volatile HttpMessageInvoker? Server;

        public volatile IReadOnlyDictionary<string, InProcessUnaryCall>? Unary;

        public volatile IReadOnlyDictionary<string, InProcessDuplexCall>? Duplex;

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Server is { } server
                ? server.SendAsync(request, cancellationToken)
                : Task.FromException<HttpResponseMessage>(new HttpRequestException(
                    HttpRequestError.ConnectionError,
                    InProcessStatus.NotServed(address),
                    new SocketException((int)SocketError.ConnectionRefused)));
    }

    private sealed class EndpointHandler(Endpoint endpoint) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // What SocketsHttpHandler's diagnostics do for a call on the network: the trace goes on
            // in the server's span (nothing to do while nothing traces).
            if (Activity.Current is { } activity)
            {
                DistributedContextPropagator.Current.Inject(activity, request, static (carrier, name, value) => ((HttpRequestMessage)carrier!).Headers.TryAddWithoutValidation(name, value));
            }

            return endpoint.SendAsync(request, cancellationToken);
        }
    }

    private sealed class Reservation(string key, Endpoint endpoint) : IDisposable
    {
        public void Dispose() => Endpoints.TryRemove(new KeyValuePair<string, Endpoint>(key, endpoint));
    }

    private sealed class MethodsAttachment(Action detach) : IDisposable
    {
        public void Dispose() => detach();
    }

    private sealed class Attachment(Endpoint endpoint, HttpMessageInvoker server) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.CompareExchange(ref endpoint.Server, null, server);
            server.Dispose();
        }
    }
}
