using Grpc.Core;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;

namespace Suite.Notification.Upstream;

public static class UpstreamRegistration
{
    /// <summary>
    /// gRPC clients for presence and room. Every call the service makes is a read, so transient
    /// transport failures are retried; a dead upstream opens the circuit, and the event goes back
    /// to Dapr (topic) or the caller (gRPC) for a later retry instead of queueing here.
    /// </summary>
    public static IHostApplicationBuilder AddUpstream(this IHostApplicationBuilder builder)
    {
        AddClient<PresenceService.PresenceServiceClient>(builder, "presence", o => o.PresenceAddress);
        AddClient<RoomService.RoomServiceClient>(builder, "room", o => o.RoomAddress);
        // Transient like the typed gRPC clients it holds, so the client factory can rotate their handlers.
        builder.Services.AddTransient<EdgeTargetResolver>();
        return builder;
    }

    private static void AddClient<TClient>(IHostApplicationBuilder builder, string name, Func<NotificationOptions, string> address)
        where TClient : ClientBase
    {
        builder.Services
            .AddGrpcClient<TClient>((sp, o) => o.Address = new Uri(address(sp.GetRequiredService<IOptions<NotificationOptions>>().Value)))
            .ConfigureChannel(channel => channel.HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
            .AddResilienceHandler(name, (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<NotificationOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(100), BackoffType = DelayBackoffType.Exponential, UseJitter = true });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { MinimumThroughput = 20, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(5) });
                pipeline.AddTimeout(options.UpstreamTimeout);
            });
    }
}
