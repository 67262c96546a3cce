using Dapr;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults;

namespace Suite.Edge.Delivery;

public static class DeliveryEndpoints
{
    public static IHostApplicationBuilder AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeliveryDispatcher>();
        builder.Services.AddDaprClient();
        return builder;
    }

    /// <summary>
    /// This edge's two Dapr topics, <c>edge.{id}</c> and <c>edge.{id}.urgent</c>, each on its own
    /// route so the urgent one is consumed apart from any normal backlog. Raw payloads: deliveries
    /// are protobuf bytes (<see cref="EdgeDeliveryCodec"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapDelivery(this IEndpointRouteBuilder app)
    {
        var edgeId = app.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value.EdgeId;
        app.MapPost("/dapr/deliveries", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: false))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeTopic(edgeId), enableRawPayload: true);
        app.MapPost("/dapr/deliveries/urgent", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: true))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeUrgentTopic(edgeId), enableRawPayload: true);
        return app;
    }

    // An unusable delivery is dropped (Dapr then dead-letters it if configured) rather than retried:
    // retrying cannot make it valid.
    private static async Task<IResult> HandleAsync(HttpRequest request, DeliveryDispatcher dispatcher, bool urgent)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        Contracts.Edge.V1.EdgeDelivery delivery;
        try
        {
            delivery = EdgeDeliveryCodec.Read(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidDataException)
        {
            return Results.Json(new { status = "DROP" });
        }

        return dispatcher.Dispatch(delivery, urgent) is null ? Results.Json(new { status = "DROP" }) : Results.Ok();
    }
}
