using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Suite.Edge;
using Suite.Edge.Connections;
using Suite.Edge.Surfaces;

namespace Suite.Deploy.Tests.Facts;

/// <summary>
/// The ports a service listens on and its shutdown timings, as the service itself would compute them
/// from its appsettings.json, the option classes' defaults and the settings a deployment gives it
/// (environment variables, "A__B" as "A:B").
/// </summary>
public sealed class ServicePorts
{
    // What the .NET container images listen on when nothing is configured (ASPNETCORE_HTTP_PORTS).
    private const int ContainerDefaultHttpPort = 8080;

    private ServicePorts(int callbackPort, IReadOnlyList<int> publicPorts, int? grpcPort, IConfiguration settings)
    {
        CallbackPort = callbackPort;
        PublicPorts = publicPorts;
        GrpcPort = grpcPort;
        Settings = settings;
    }

    /// <summary>The HTTP/1.1 port Dapr calls (/dapr/*): the sidecar's app port.</summary>
    public int CallbackPort { get; }

    /// <summary>HTTP/1.1 ports reachable from outside the pod that serve health: the edge's public port; the services' Http endpoint.</summary>
    public IReadOnlyList<int> PublicPorts { get; }

    /// <summary>The HTTP/2 gRPC endpoint (presence, room, notification).</summary>
    public int? GrpcPort { get; }

    public IConfiguration Settings { get; }

    public static ServicePorts Of(SuiteApp app, IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Suite.LocalServers.RepositoryRoot.Find(), "services", app.Folder, "appsettings.json"), optional: false)
            .AddInMemoryCollection(settings)
            .Build();

        if (app.IsEdge)
        {
            var edge = new EdgeOptions();
            configuration.GetSection(EdgeOptions.Section).Bind(edge);
            var internalPort = InternalPort.PortOf(edge.InternalUrl)
                ?? throw new InvalidDataException($"Edge:InternalUrl {edge.InternalUrl} is not an internal address");
            var publicPorts = PortsOf(configuration["ASPNETCORE_URLS"] ?? configuration["Urls"])
                ?? PortsOf(configuration["ASPNETCORE_HTTP_PORTS"] ?? configuration["HTTP_PORTS"], bare: true)
                ?? [ContainerDefaultHttpPort];
            return new ServicePorts(internalPort, publicPorts.Where(p => p != internalPort).ToList(), null, configuration);
        }

        var http = EndpointPort(configuration, "Http", app);
        var grpc = EndpointPort(configuration, "Grpc", app);
        return new ServicePorts(http, [http], grpc, configuration);
    }

    /// <summary>The edge's drain settings (Connections:*), defaults included.</summary>
    public ConnectionOptions Connections()
    {
        var options = new ConnectionOptions();
        Settings.GetSection("Connections").Bind(options);
        return options;
    }

    public EdgeOptions Edge()
    {
        var options = new EdgeOptions();
        Settings.GetSection(EdgeOptions.Section).Bind(options);
        return options;
    }

    private static int EndpointPort(IConfiguration configuration, string endpoint, SuiteApp app) =>
        PortsOf(configuration[$"Kestrel:Endpoints:{endpoint}:Url"])?.SingleOrDefault()
        ?? throw new InvalidDataException($"services/{app.Folder}/appsettings.json declares no Kestrel endpoint {endpoint}");

    private static List<int>? PortsOf(string? addresses, bool bare = false) =>
        string.IsNullOrWhiteSpace(addresses)
            ? null
            : addresses.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(a => bare ? int.Parse(a, System.Globalization.CultureInfo.InvariantCulture) : BindingAddress.Parse(a).Port)
                .ToList();
}
