using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Suite.DaprEmulator.Api;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Delivery;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.Streaming;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Hosting;

/// <summary>
/// Builds the sidecar: the gRPC port (HTTP/2 cleartext, as the SDK's h2c channel needs), the HTTP
/// port, the components from the resources folders, and the subscriber side. Used by Program and
/// by tests that host a sidecar in-process.
/// </summary>
public static class EmulatorHost
{
    /// <exception cref="ComponentConfigurationException">A resources file is unusable; nothing was started.</exception>
    public static WebApplication Build(SidecarOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var templates = new MetadataTemplates(options.AppId, options.PodName, options.Namespace);
        var resources = ResourceLoader.Load(options.ResourcesPaths, options.AppId, templates);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(EmulatorHost).Assembly.GetName().Name });

        // Settings come from the daprd flags only. An appsettings.json in the working directory
        // belongs to whatever app sits there (a service's Kestrel endpoints, in a test's output
        // folder) and must not rebind the sidecar's ports.
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json);
        }
        // ASP.NET Core starts an Activity and a logging scope for every request while this category
        // is enabled at any level, and each state or publish call of the app is a request here. It
        // logs nothing the emulator needs: requests at Information, start-up failures reach Program.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            // daprd's max-body-size default (4Mi) applies to both ports.
            kestrel.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(resources);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ComponentContext(options.AppId, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), options.SharedInMemoryBus));
        services.AddSingleton(sp => ComponentRegistry.Create(resources.Components, sp.GetRequiredService<ComponentContext>(), options.Namespace));
        services.AddSingleton(new SidecarInfo(options.AppId, resources.Components));
        services.AddSingleton(sp => new CloudEventWriter(options.AppId, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Publisher(sp.GetRequiredService<ComponentRegistry>(), resources.Resiliency, sp.GetRequiredService<CloudEventWriter>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StateApi>();
        services.AddSingleton<SubscriptionDirectory>();
        services.AddSingleton<SidecarReadiness>();
        services.AddSingleton<AppChannel>();
        services.AddSingleton<TopicSubscriber>();
        services.AddSingleton<StreamingSubscriptions>();
        services.AddSingleton<ApiTokenCheck>();
        services.AddHostedService<ComponentStartup>();
        services.AddHostedService<SubscriptionRunner>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ApiTokenCheck>();
            grpc.MaxReceiveMessageSize = 4 * 1024 * 1024;
            grpc.EnableDetailedErrors = true;
        });
        configure?.Invoke(builder);

        var app = builder.Build();

        // Resolve now so metadata errors surface here, before anything listens or connects.
        app.Services.GetRequiredService<ComponentRegistry>();

        app.Use(ApiTokenCheck.HttpMiddleware);
        app.MapGrpcService<DaprApi>();
        app.MapDaprHttpApi();
        return app;
    }
}
