using Dapr;
using Microsoft.Extensions.Options;
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
    /// route so the urgent one is consumed apart from any normal backlog.
    /// </summary>
    public static IEndpointRouteBuilder MapDelivery(this IEndpointRouteBuilder app)
    {
        var edgeId = app.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value.EdgeId;
        app.MapPost("/dapr/deliveries", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: false))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeTopic(edgeId));
        app.MapPost("/dapr/deliveries/urgent", (HttpRequest request, DeliveryDispatcher dispatcher) => HandleAsync(request, dispatcher, urgent: true))
            .WithTopic(DaprNames.PubSub, DaprNames.EdgeUrgentTopic(edgeId));
        return app;
    }

    // An unusable delivery is dropped (Dapr then dead-letters it if configured) rather than retried:
    // retrying cannot make it valid.
    private static async Task<IResult> HandleAsync(HttpRequest request, DeliveryDispatcher dispatcher, bool urgent)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        Contracts.Edge.V1.EdgeDelivery delivery;
        try
        {
            delivery = DeliveryDispatcher.Parse(json);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return Results.Json(new { status = "DROP" });
        }

        return dispatcher.Dispatch(delivery, urgent) is null ? Results.Json(new { status = "DROP" }) : Results.Ok();
    }
}
