using Grpc.Core;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;

namespace Suite.Edge.Upstream;

public static class UpstreamRegistration
{
    /// <summary>
    /// gRPC clients for presence and room. Every call gets the configured deadline; the resilience
    /// handler retries only transient transport failures (the calls the edge makes are idempotent
    /// per connection id, as the contracts say) and breaks the circuit on a dead upstream.
    /// </summary>
    public static IHostApplicationBuilder AddUpstream(this IHostApplicationBuilder builder)
    {
        AddClient<PresenceService.PresenceServiceClient>(builder, o => o.PresenceAddress);
        AddClient<RoomService.RoomServiceClient>(builder, o => o.RoomAddress);
        builder.Services.AddSingleton<EdgeLeaseService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EdgeLeaseService>());
        return builder;
    }

    private static void AddClient<TClient>(IHostApplicationBuilder builder, Func<EdgeOptions, string> address)
        where TClient : ClientBase
    {
        builder.Services
            .AddGrpcClient<TClient>((sp, o) => o.Address = new Uri(address(sp.GetRequiredService<IOptions<EdgeOptions>>().Value)))
            .ConfigureChannel(channel => channel.HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
            .AddResilienceHandler("upstream", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(100), BackoffType = DelayBackoffType.Exponential, UseJitter = true });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { MinimumThroughput = 20, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(5) });
                pipeline.AddTimeout(options.UpstreamTimeout);
            });
    }
}
