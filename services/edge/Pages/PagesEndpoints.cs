using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Suite.Edge.Surfaces;

namespace Suite.Edge.Pages;

/// <summary>
/// Development only, with <see cref="EdgeOptions.PagesPath"/> set: the demo (<c>/</c>) and ops
/// (<c>/ops</c>) pages built from clients/typescript, and the ops view's JSON (<c>/ops/data</c>),
/// all on the public port. Outside Development none of it is mapped: the JSON tells who is
/// connected and in which rooms, which no public surface may show unprotected.
/// </summary>
public static class PagesEndpoints
{
    public const string OpsDataPath = "/ops/data";

    private const string NotBuiltMessage =
        "The pages are not built. Run: cd clients/typescript && npm ci && npm run build (it writes dist/www), then start again. Edge:PagesPath = ";

    /// <summary>True in Development with <see cref="EdgeOptions.PagesPath"/> set.</summary>
    public static bool Enabled(IHostEnvironment environment, EdgeOptions options) =>
        environment.IsDevelopment() && !string.IsNullOrWhiteSpace(options.PagesPath);

    // Registered always and decided after the host is built (UsePages, OpsDeadLetters): settings
    // given to the host late (a test host's) are complete only then. Nothing runs when disabled.
    public static IHostApplicationBuilder AddPages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OpsMeter>();
        builder.Services.AddSingleton<OpsDeadLetters>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OpsDeadLetters>());
        builder.Services.AddSingleton<OpsSnapshot>();
        return builder;
    }

    /// <summary>The static pages (early in the pipeline) and the ops JSON endpoint.</summary>
    public static WebApplication UsePages(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value;
        if (!Enabled(app.Environment, options))
        {
            return app;
        }

        // Listening from the start, so the totals count every frame.
        app.Services.GetRequiredService<OpsMeter>();
        var root = Path.GetFullPath(Path.Combine(app.Environment.ContentRootPath, options.PagesPath!));
        var internalPort = options.InternalPort;
        if (Directory.Exists(root))
        {
            var files = new PhysicalFileProvider(root);
            app.UseWhen(
                context => !InternalPort.IsInternal(context.Connection.LocalPort, internalPort),
                branch => branch
                    .UseDefaultFiles(new DefaultFilesOptions { FileProvider = files })
                    .UseStaticFiles(new StaticFileOptions { FileProvider = files }));
        }
        else
        {
            app.MapGet("/", () => Results.Text(NotBuiltMessage + root, statusCode: StatusCodes.Status404NotFound));
            app.MapGet("/ops", () => Results.Text(NotBuiltMessage + root, statusCode: StatusCodes.Status404NotFound));
        }

        app.MapGet(OpsDataPath, async (HttpContext context, OpsSnapshot snapshot) =>
            InternalPort.IsInternal(context.Connection.LocalPort, internalPort)
                ? Results.NotFound()
                : Results.Json(await snapshot.TakeAsync(context.RequestAborted)));
        return app;
    }
}
