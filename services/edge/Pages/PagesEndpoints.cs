using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Suite.Edge.Surfaces;

namespace Suite.Edge.Pages;

/// <summary>
/// Development only, with <see cref="EdgeOptions.PagesPath"/> set: the demo (<c>/</c>) and ops
/// (<c>/ops</c>) pages built from clients/typescript, and the ops view's JSON (<c>/ops/data</c>),
/// all on the public port. Outside Development none of it is registered: the JSON tells who is
/// connected and in which rooms, which no public surface may show unprotected.
/// </summary>
public static class PagesEndpoints
{
    public const string OpsDataPath = "/ops/data";

    private const string NotBuiltMessage =
        "The pages are not built. Run: cd clients/typescript && npm ci && npm run build (it writes dist/www), then start again. Edge:PagesPath = ";

    private static bool Enabled(IHostEnvironment environment, IConfiguration configuration) =>
        environment.IsDevelopment() && !string.IsNullOrWhiteSpace(configuration[$"{EdgeOptions.Section}:{nameof(EdgeOptions.PagesPath)}"]);

    public static IHostApplicationBuilder AddPages(this IHostApplicationBuilder builder)
    {
        if (Enabled(builder.Environment, builder.Configuration))
        {
            builder.Services.AddSingleton<OpsMeter>();
            builder.Services.AddSingleton<OpsDeadLetters>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<OpsDeadLetters>());
            builder.Services.AddSingleton<OpsSnapshot>();
        }

        return builder;
    }

    /// <summary>The static pages (early in the pipeline) and the ops JSON endpoint.</summary>
    public static WebApplication UsePages(this WebApplication app)
    {
        if (!Enabled(app.Environment, app.Configuration))
        {
            return app;
        }

        var options = app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value;
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

        app.MapGet(OpsDataPath, async (OpsSnapshot snapshot, CancellationToken cancellationToken) => Results.Json(await snapshot.TakeAsync(cancellationToken)));
        return app;
    }
}
