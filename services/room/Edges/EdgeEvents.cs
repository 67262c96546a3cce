using Dapr;
using Google.Protobuf;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;

namespace Suite.Room.Edges;

public static class EdgeEvents
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static IHostApplicationBuilder AddEdgeEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EdgeReaper>();
        return builder;
    }

    /// <summary>Topic <c>presence.edges</c>: an edge that is gone is dropped from every room and channel index.</summary>
    public static IEndpointRouteBuilder MapEdgeEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dapr/presence-edges", HandleAsync).WithTopic(DaprNames.PubSub, DaprNames.PresenceEdgesTopic);
        return app;
    }

    // An unreadable event is dropped (retrying cannot fix it); a state failure answers 500 so the
    // sidecar's inbound resiliency policy delivers it again.
    private static async Task<IResult> HandleAsync(HttpRequest request, EdgeReaper reaper, ILogger<EdgeReaper> logger)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        EdgeChanged change;
        try
        {
            change = Parser.Parse<EdgeChanged>(json);
        }
        catch (InvalidProtocolBufferException ex)
        {
            RoomLog.BadEdgeEvent(logger, ex);
            return Results.Json(new { status = "DROP" });
        }

        if (string.IsNullOrEmpty(change.EdgeId))
        {
            return Results.Json(new { status = "DROP" });
        }

        await reaper.HandleAsync(change, request.HttpContext.RequestAborted);
        return Results.Ok();
    }
}
