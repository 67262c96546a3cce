using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Suite.ServiceDefaults.InProcess;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.ServiceDefaults;

/// <summary>How every suite service calls another over gRPC.</summary>
public static class SuiteGrpcClients
{
    /// <summary>
    /// A typed gRPC client whose address and timeout come from <typeparamref name="TOptions"/>. The
    /// resilience handler retries transient transport failures (the suite's calls are reads or are
    /// idempotent per connection id or idempotency key, as the contracts say), opens the circuit on a
    /// dead upstream so callers fail fast, and bounds each attempt; callers still set a deadline per call.
    /// </summary>
    /// <remarks>
    /// The address setting holds one address or several separated by commas (replicas of one service,
    /// see <see cref="UpstreamAddressesAttribute"/>). Several are used in the order given: pick_first
    /// connects to the first that accepts and moves to the next when that connection is lost, so a
    /// dead replica costs the calls in flight on it, not every later call.
    /// </remarks>
    public static void AddSuiteGrpcClient<TClient, TOptions>(this IServiceCollection services, string name, Func<TOptions, string> address, Func<TOptions, TimeSpan> timeout)
        where TClient : ClientBase
        where TOptions : class
    {
        services
            .AddGrpcClient<TClient>((sp, o) => o.Address = ChannelAddress(Addresses(sp), name))
            .ConfigureChannel((sp, channel) =>
            {
                UseReplicas(channel, Addresses(sp));
                // Service tokens are call credentials; inside the suite the channels are h2c.
                channel.UnsafeUseInsecureChannelCallCredentials = true;
            })
            // A client registered without AddServiceAuth (a test's) sends no token.
            .AddCallCredentials((_, metadata, sp) => sp.GetService<ServiceCallCredentials>()?.AddTokenAsync(metadata) ?? Task.CompletedTask)
            // The primary handler goes through the factory, under the resilience handler: setting
            // GrpcChannelOptions.HttpHandler instead would replace the whole chain and the retry,
            // breaker and timeout would never run. Load balancing needs a SocketsHttpHandler here.
            .ConfigurePrimaryHttpMessageHandler(sp => InProcessOr(Addresses(sp), () => new SocketsHttpHandler { EnableMultipleHttp2Connections = true }))
            .AddResilienceHandler(name, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(100), BackoffType = DelayBackoffType.Exponential, UseJitter = true });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { MinimumThroughput = 20, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(5) });
                pipeline.AddTimeout(timeout(options));
            });

        IReadOnlyList<Uri> Addresses(IServiceProvider sp) => UpstreamAddressesAttribute.Parse(address(sp.GetRequiredService<IOptions<TOptions>>().Value));
    }

    /// <summary>
    /// A channel for long-lived streams to the upstream a client of <see cref="AddSuiteGrpcClient"/>
    /// reaches (same addresses, same replica handling), without the resilience handler: its retry,
    /// breaker and per-attempt timeout are made for single calls, and its timeout would cut a stream.
    /// HTTP/2 pings find a connection that died without a reset. An upstream in this process (the
    /// embedded suite) takes the streams straight into its method (<see cref="InProcessEndpoints"/>).
    /// </summary>
    /// <param name="credentials">This service's token on the stream (<see cref="ServiceCallCredentials"/>).</param>
    public static StreamingUpstream StreamingChannel(string address, string name, ServiceCallCredentials? credentials = null)
    {
        var addresses = UpstreamAddressesAttribute.Parse(address);
        var options = new GrpcChannelOptions
        {
            HttpHandler = InProcessOr(addresses, () => new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            }),
        };
        UseReplicas(options, addresses);
        credentials?.Apply(options, addresses[0]);

        var channel = GrpcChannel.ForAddress(ChannelAddress(addresses, name), options);
        var invoker = addresses.Count == 1
            ? InProcessEndpoints.CallInvokerFor(addresses[0], channel, options, credentials is null ? null : credentials.AddTokenAsync)
            : channel.CreateCallInvoker();
        return new StreamingUpstream(channel, invoker);
    }

    // The upstream's in-memory handler when it runs in this process (the embedded suite), else the
    // network. Replicas are separate processes.
    private static HttpMessageHandler InProcessOr(IReadOnlyList<Uri> addresses, Func<HttpMessageHandler> network) =>
        addresses.Count == 1 ? InProcessEndpoints.HandlerOr(addresses[0], network) : network();

    // One address is the channel's address, as it always was; several are reached through the
    // static resolver under a name of their own.
    private static Uri ChannelAddress(IReadOnlyList<Uri> addresses, string name) =>
        addresses.Count == 1 ? addresses[0] : new Uri($"static:///{name}");

    // Every channel reconnects soon; one to several replicas uses one at a time, in the order given.
    private static void UseReplicas(GrpcChannelOptions channel, IReadOnlyList<Uri> addresses)
    {
        ReconnectSoon(channel);
        if (addresses.Count > 1)
        {
            PickFirstOf(channel, addresses);
        }
    }

    // An upstream that went away (a replaced replica, a restarted process behind one address) is
    // reached again within a fraction of a second of its return, not after the default backoff of
    // 1 s growing to 2 min: after a presence outage longer than a lease, the edges' lease calls
    // waited out that backoff and presence was right only 3.2-3.6 s after it was back.
    private static void ReconnectSoon(GrpcChannelOptions channel)
    {
        channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(100);
        channel.MaxReconnectBackoff = TimeSpan.FromSeconds(2);
    }

    // Several addresses: the static resolver knows them (under ChannelAddress's name) and pick_first
    // takes them in the order given.
    private static void PickFirstOf(GrpcChannelOptions channel, IReadOnlyList<Uri> addresses)
    {
        var resolver = new StaticResolverFactory(_ => addresses.Select(a => new BalancerAddress(a.Host, a.Port)));
        // The channel finds resolvers through its service provider; this one knows only these addresses.
        channel.ServiceProvider = new ServiceCollection().AddSingleton<ResolverFactory>(resolver).BuildServiceProvider();
        channel.Credentials = addresses[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        channel.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
    }
}
