using Dapr;
using Microsoft.Extensions.Options;
using Suite.ServiceDefaults;

namespace Suite.Edge.Delivery;

public static class DeliveryEndpoints
{
    public static IHostApplicationBuilder AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DuplicateFilterOptions>().BindConfiguration(DuplicateFilterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DuplicateFilterOptions>>().Value;
            return new RecentMessageIds(options.DuplicateWindow, options.DuplicateWindowMaxIds, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<DeliveryDispatcher>();
        builder.Services.AddDaprClient();
        // Registered always and idle with Http: options are bound after the builder, so the choice
        // is made when the service starts. Not ready until both streams run, so clients are sent
        // to an edge that receives their deliveries.
        builder.Services.AddSingleton<DeliveryStreams>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryStreams>());
        builder.Services.AddHealthChecks().AddCheck<DeliveryStreams>("delivery-streams", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// With <see cref="DeliverySubscription.Http"/>, this edge's two Dapr topics, <c>edge.{id}</c> and
    /// <c>edge.{id}.urgent</c>, each on its own route so the urgent one is consumed apart from any
    /// normal backlog. Raw payloads: deliveries are protobuf bytes (<see cref="EdgeDeliveryCodec"/>).
    /// With streaming nothing is mapped, so <c>/dapr/subscribe</c> does not list the topics twice.
    /// </summary>
    public static IEndpointRouteBuilder MapDelivery(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value;
        if (options.DeliverySubscription != DeliverySubscription.Http)
        {
            return app;
        }

        app.MapPost("/dapr/deliveries", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: false))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeTopic(options.EdgeId), enableRawPayload: true);
        app.MapPost("/dapr/deliveries/urgent", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: true))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeUrgentTopic(options.EdgeId), enableRawPayload: true);
        return app;
    }

    // A dropped delivery is dead-lettered by Dapr if configured rather than retried.
    private static async Task<IResult> HandleAsync(HttpRequest request, DeliveryDispatcher dispatcher, bool urgent)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        return dispatcher.DispatchPayload(body.GetBuffer().AsSpan(0, (int)body.Length), urgent) ? Results.Ok() : Results.Json(new { status = "DROP" });
    }
}
