using Suite.ServiceDefaults.Publishing;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using Suite.Edge.Auth;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;
using Suite.Edge.Routing;
using Suite.ServiceDefaults;

namespace Suite.Edge.Connections;

public static class ConnectionEndpoints
{
    /// <summary>Where clients connect.</summary>
    public const string Path = "/ws";

    /// <summary>True for the WebSocket endpoint, which middleware meant for ordinary requests should skip.</summary>
    public static bool IsWebSocketPath(PathString path) => path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase);

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
        services.AddEdgeDeliveryPublisher();
        services.AddSingleton<ClientCommands>();
        services.AddSingleton<ConnectionHandler>();
        services.AddHostedService<ConnectionSweeper>();
        services.AddSingleton<EdgeDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeDrain>());
        services.AddHealthChecks().AddCheck<EdgeDrain>("drain", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);

        // A reconnect storm queues at the clients (HTTP 429 with Retry-After) instead of in the edge.
        services.AddSingleton<AdmissionGate>();

        // A WebSocket request lasts as long as its connection, and its server span would be exported
        // (if ever) only when it closes; recording no tags for it saves ~0.5 KB per idle connection.
        services.Configure<AspNetCoreTraceInstrumentationOptions>(tracing =>
        {
            var other = tracing.Filter;
            tracing.Filter = context => !IsWebSocketPath(context.Request.Path) && (other is null || other(context));
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapConnections(this IEndpointRouteBuilder app)
    {
        app.Map(Path, AcceptAsync);
        return app;
    }

    // Not async: the returned task is the connection handler's own, so nothing of the upgrade (this
    // method's frame, the token, its validation outcome) stays referenced for the connection's life.
    private static Task AcceptAsync(
        HttpContext context,
        AdmissionGate admission,
        EdgeDrain drain,
        TokenValidator tokens,
        ConnectionHandler handler,
        ServerFrames frames,
        IOptions<ConnectionOptions> options,
        IOptions<SendQueueOptions> queueOptions,
        TimeProvider time,
        EdgeMetrics metrics)
    {
        if (!admission.TryAdmit())
        {
            metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "rate"));
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("this endpoint speaks WebSocket only", context.RequestAborted);
        }

        if (drain.IsDraining)
        {
            metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "draining"));
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        // A token at upgrade (header or access_token query) saves the client the auth frame. The
        // request keeps no copy of it: it would sit in memory (three times) for the connection's life.
        var token = TokenExtractor.FromRequest(context.Request);
        TokenExtractor.RemoveFromRequest(context);
        var aborted = context.RequestAborted;
        var accepting = AcceptWebSocketAsync(context, token, tokens, frames, options.Value, queueOptions.Value, time, aborted);
        return accepting.IsCompletedSuccessfully
            ? handler.RunAsync(accepting.Result.Connection, accepting.Result.Identity, aborted)
            : RunWhenAcceptedAsync(accepting, handler, aborted);
    }

    private static async Task RunWhenAcceptedAsync(Task<Accepted> accepting, ConnectionHandler handler, CancellationToken aborted)
    {
        var accepted = await accepting;
        await handler.RunAsync(accepted.Connection, accepted.Identity, aborted);
    }

    private static async Task<Accepted> AcceptWebSocketAsync(
        HttpContext context,
        string? token,
        TokenValidator tokens,
        ServerFrames frames,
        ConnectionOptions settings,
        SendQueueOptions queueOptions,
        TimeProvider time,
        CancellationToken aborted)
    {
        var outcome = token is null ? null : await tokens.ValidateAsync(token, aborted);
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = settings.HeartbeatInterval,
            KeepAliveTimeout = settings.HeartbeatTimeout,
        });
        var connection = new Connection(Guid.NewGuid().ToString("N"), socket, new SendQueue(queueOptions, time), settings, time.GetUtcNow());
        if (outcome is { IsValid: false })
        {
            connection.Send(frames.AuthFail(outcome.FailureReason!));
            connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, outcome.FailureReason!, Flush: true));
        }

        return new Accepted(connection, outcome is { IsValid: true } ? ConnectionLifecycle.IdentityFrom(outcome) : null);
    }

    private readonly record struct Accepted(Connection Connection, ClientIdentity? Identity);
}
