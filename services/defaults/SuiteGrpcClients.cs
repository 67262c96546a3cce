using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Suite.ServiceDefaults;

/// <summary>How every suite service calls another over gRPC.</summary>
public static class SuiteGrpcClients
{
    /// <summary>
    /// A typed gRPC client whose address and timeout come from <typeparamref name="TOptions"/>. The
    /// resilience handler retries transient transport failures (the suite's calls are reads or are
    /// idempotent per connection id, as the contracts say), opens the circuit on a dead upstream so
    /// callers fail fast, and bounds each attempt; callers still set a deadline per call.
    /// </summary>
    public static void AddSuiteGrpcClient<TClient, TOptions>(this IServiceCollection services, string name, Func<TOptions, string> address, Func<TOptions, TimeSpan> timeout)
        where TClient : ClientBase
        where TOptions : class
    {
        services
            .AddGrpcClient<TClient>((sp, o) => o.Address = new Uri(address(sp.GetRequiredService<IOptions<TOptions>>().Value)))
            .ConfigureChannel(channel => channel.HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
            .AddResilienceHandler(name, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<TOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(100), BackoffType = DelayBackoffType.Exponential, UseJitter = true });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { MinimumThroughput = 20, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(5) });
                pipeline.AddTimeout(timeout(options));
            });
    }
}
