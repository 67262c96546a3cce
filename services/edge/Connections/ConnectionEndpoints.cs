using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using Suite.Edge.Routing;
using Suite.ServiceDefaults;

namespace Suite.Edge.Connections;

public static class ConnectionEndpoints
{
    private const string AdmissionPolicy = "admission";

    public static IHostApplicationBuilder AddConnections(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SendQueueOptions>().BindConfiguration("SendQueue").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProtocolLimits>().BindConfiguration("Protocol").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ProtocolLimits>>().Value);
        services.AddSingleton<EdgeMetrics>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<LocalIndex<Connection>>();
        services.AddSingleton<ServerFrames>();
        services.AddSingleton<ConnectionLifecycle>();
        services.AddSingleton<ClientCommands>();
        services.AddSingleton<ConnectionHandler>();
        services.AddHostedService<ConnectionSweeper>();
        services.AddSingleton<EdgeDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeDrain>());
        services.AddHealthChecks().AddCheck<EdgeDrain>("drain", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);

        // A reconnect storm queues at the clients (HTTP 429 with Retry-After) instead of in the edge.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(AdmissionPolicy, context =>
            {
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ConnectionOptions>>().Value.AdmissionsPerSecond;
                return RateLimitPartition.GetTokenBucketLimiter("edge", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                context.HttpContext.RequestServices.GetRequiredService<EdgeMetrics>().AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "rate"));
                return ValueTask.CompletedTask;
            };
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapConnections(this IEndpointRouteBuilder app)
    {
        app.Map("/ws", AcceptAsync).RequireRateLimiting(AdmissionPolicy);
        return app;
    }

    private static async Task AcceptAsync(
        HttpContext context,
        EdgeDrain drain,
        TokenValidator tokens,
        ConnectionHandler handler,
        ServerFrames frames,
        IOptions<ConnectionOptions> options,
        IOptions<SendQueueOptions> queueOptions,
        TimeProvider time,
        EdgeMetrics metrics)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("this endpoint speaks WebSocket only", context.RequestAborted);
            return;
        }

        if (drain.IsDraining)
        {
            metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "draining"));
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return;
        }

        // A token at upgrade (header or access_token query) saves the client the auth frame.
        var token = TokenExtractor.FromRequest(context.Request);
        var outcome = token is null ? null : await tokens.ValidateAsync(token, context.RequestAborted);
        var settings = options.Value;
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = settings.HeartbeatInterval,
            KeepAliveTimeout = settings.HeartbeatTimeout,
        });
        var connection = new Connection(Guid.NewGuid().ToString("N"), socket, new SendQueue(queueOptions.Value, time), settings, time.GetUtcNow());
        if (outcome is { IsValid: false })
        {
            connection.Send(frames.AuthFail(outcome.FailureReason!));
            connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, outcome.FailureReason!, Flush: true));
        }

        await handler.RunAsync(connection, outcome is { IsValid: true } ? ConnectionLifecycle.IdentityFrom(outcome) : null, context.RequestAborted);
    }
}
