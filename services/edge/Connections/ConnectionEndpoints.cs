using Suite.ServiceDefaults.Publishing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using Suite.Edge.Auth;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;
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
        services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.CloseTimeout >= TimeSpan.FromMilliseconds(100) && o.CloseTimeout <= TimeSpan.FromMinutes(5), "Connections:CloseTimeout must be between 00:00:00.1 and 00:05:00.")
            .Validate(o => o.AllowedOrigins.All(origin => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/"), "Connections:AllowedOrigins holds origins, scheme://host[:port] with no path, e.g. https://app.example.")
            .ValidateOnStart();
        services.AddSingleton(services => FrameDeflater.From(services.GetRequiredService<IOptions<ConnectionOptions>>().Value));
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
        services.AddSingleton<ConnectionAcceptor>();
        services.AddSingleton<ClientHandshake>();
        // Registered after Kestrel's socket transport, so Kestrel asks this one first.
        services.AddSingleton<IConnectionListenerFactory, ClientListenerFactory>();
        WebSocketHandshake.AddToListenPorts(services);
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<ConnectionOptions>>((sockets, connections) =>
            sockets.UnsafePreferInlineScheduling |= connections.Value.InlineSocketScheduling);
        services.AddHostedService<ConnectionSweeper>();
        services.AddSingleton<EdgeDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeDrain>());
        services.AddHealthChecks().AddCheck<EdgeDrain>("drain", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);

        // A reconnect storm queues at the clients (HTTP 429 with Retry-After) instead of in the edge.
        services.AddSingleton<AdmissionGate>();
        services.AddSingleton<AuthenticationBacklog>();
        services.AddSingleton<ConnectionCaps>();

        // A WebSocket request lasts as long as its connection, and its server span would be exported
        // (if ever) only when it closes; recording no tags for it saves ~0.5 KB per idle connection.
        // The connection's commands are traced on their own instead (ConnectionHandler, CommandSpans).
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
    // Most upgrades never get here: WebSocketHandshake takes them off the listen port before Kestrel
    // parses them as HTTP; this serves the rest (e.g. an upgrade on a reused keep-alive connection).
    private static Task AcceptAsync(
        HttpContext context,
        ConnectionAcceptor acceptor,
        ConnectionHandler handler,
        IOptions<ConnectionOptions> options)
    {
        // Only a real upgrade takes an admission: plain GETs of /ws must not lock real clients out.
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync(ClientHandshake.NotWebSocketMessage, context.RequestAborted);
        }

        if (!Subprotocols.TryChoose(context.WebSockets.WebSocketRequestedProtocols, out var encoding, out var echo))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync(Subprotocols.UnsupportedMessage, context.RequestAborted);
        }

        var origins = context.Request.Headers.Origin;
        if (!acceptor.OriginAllowed(origins.Count switch { 0 => null, 1 => origins[0], _ => "" }))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync(ConnectionAcceptor.OriginNotAllowedMessage, context.RequestAborted);
        }

        // Before admission (ConnectionAcceptor's remarks): an address at its cap takes none.
        if (!acceptor.TryHoldAddress(context.Connection.RemoteIpAddress, out var address))
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "5";
            return context.Response.WriteAsync(ConnectionAcceptor.TooManyFromAddressMessage, context.RequestAborted);
        }

        if (!acceptor.TryAdmit())
        {
            address.Release();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        if (acceptor.RefuseWhileDraining())
        {
            address.Release();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        // A token at upgrade (header or access_token query) saves the client the auth frame. The
        // request keeps no copy of it: it would sit in memory (three times) for the connection's life.
        var token = TokenExtractor.FromRequest(context.Request);
        TokenExtractor.RemoveFromRequest(context);
        var aborted = context.RequestAborted;
        var accepting = AcceptWebSocketAsync(context, token, acceptor, options.Value, encoding, echo, aborted);
        var running = accepting.IsCompletedSuccessfully
            ? handler.RunAsync(accepting.Result.Connection, accepting.Result.Identity, aborted)
            : RunWhenAcceptedAsync(accepting, handler, aborted);
        return options.Value.MaxConnectionsPerIp == 0 ? running : ReleaseWhenDoneAsync(running, address);
    }

    private static async Task ReleaseWhenDoneAsync(Task running, ConnectionCaps.AddressHold address)
    {
        try
        {
            await running;
        }
        finally
        {
            address.Release();
        }
    }

    private static async Task RunWhenAcceptedAsync(Task<ConnectionAcceptor.Accepted> accepting, ConnectionHandler handler, CancellationToken aborted)
    {
        var accepted = await accepting;
        await handler.RunAsync(accepted.Connection, accepted.Identity, aborted);
    }

    private static async Task<ConnectionAcceptor.Accepted> AcceptWebSocketAsync(
        HttpContext context,
        string? token,
        ConnectionAcceptor acceptor,
        ConnectionOptions settings,
        FrameEncoding encoding,
        string? echo,
        CancellationToken aborted)
    {
        var outcome = await acceptor.ValidateAsync(token, aborted);
        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = echo,
            KeepAliveInterval = settings.HeartbeatInterval,
            KeepAliveTimeout = settings.HeartbeatTimeout,
        });
        return acceptor.Create(socket, outcome, codec: FrameCodecs.For(encoding));
    }
}
