using System.Text.Json;
using Suite.LocalServers;

namespace Suite.Load.Targets;

/// <summary>
/// Mode <c>edge</c>: one edge as a child process on a free loopback port, with presence and room
/// pointing at a closed port (the edge logs the failed registrations and carries on; local delivery
/// does not need them) and admission control opened wide so the generator, not the edge, sets the pace.
/// </summary>
internal sealed class EdgeProcess : ISystemUnderTest
{
    private readonly ServerChild _child;

    private EdgeProcess(ServerChild child, EdgeTarget edge, string signingKey, Dictionary<string, string> description)
    {
        _child = child;
        Edges = [edge];
        SigningKey = signingKey;
        Description = description;
    }

    public string Mode => "edge";

    public IReadOnlyList<EdgeTarget> Edges { get; }

    public string SigningKey { get; }

    public IReadOnlyDictionary<string, string> Description { get; }

    /// <summary>The last lines the edge wrote, for a failure message.</summary>
    public string RecentOutput => _child.RecentOutput;

    public static string DefaultEdgeDll(string repoRoot) => Path.Combine(repoRoot, "services", "edge", "bin", "Release", "net10.0", "Suite.Edge.dll");

    public static async Task<EdgeProcess> StartAsync(string edgeDll, string signingKey, IReadOnlyList<string> extraEnv, CancellationToken cancellationToken, string edgeId = "edge-0", string? cpus = null)
    {
        if (!File.Exists(edgeDll))
        {
            throw new FileNotFoundException($"the edge is not built at {edgeDll} (dotnet build -c Release services/edge)", edgeDll);
        }

        var port = FreePort.Next();
        var internalPort = FreePort.Next();
        var deadPort = FreePort.Next();
        var env = new Dictionary<string, string>();
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        env["Edge__InternalUrl"] = $"http://127.0.0.1:{internalPort}";
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Edge__EdgeId"] = edgeId;
        env["Edge__PresenceAddress"] = $"http://127.0.0.1:{deadPort}";
        env["Edge__RoomAddress"] = $"http://127.0.0.1:{deadPort}";
        env["Edge__NotificationAddress"] = $"http://127.0.0.1:{deadPort}";
        env["Auth__SigningKey"] = signingKey;
        // Outside Development an HS256 key needs both (the generator's tokens carry them).
        env["Auth__Audience"] = Clients.DevToken.Audience;
        env["Auth__Issuer"] = Clients.DevToken.Issuer;
        env["Connections__AdmissionsPerSecond"] = "1000000";
        env["Logging__LogLevel__Default"] = "Warning";
        // Presence is down on purpose; its per-connection failure warnings would only measure the console.
        env["Logging__LogLevel__Suite.Edge.Connections.ConnectionLifecycle"] = "Error";
        env["Logging__LogLevel__Suite.Edge.Upstream"] = "Error";
        env["Logging__LogLevel__Suite.Edge.Inbox"] = "Error";
        env["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{deadPort}";
        env["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{deadPort}";
        // The generator plays the sidecar and POSTs deliveries to the edge's routes, which only the
        // Http subscription maps.
        env["Edge__DeliverySubscription"] = "Http";
        foreach (var pair in extraEnv)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new ArgumentException($"--edge-env wants KEY=VALUE, got '{pair}'");
            }

            env[pair[..at]] = pair[(at + 1)..];
        }

        var child = ServerChild.Start(edgeId, "dotnet", [edgeDll], Path.GetDirectoryName(edgeDll)!, env, cpus);
        var description = new Dictionary<string, string>
        {
            ["edgeDll"] = edgeDll,
            ["gc"] = GcMode(edgeDll, env),
            ["presence"] = "down (closed port): registrations fail and are logged",
            ["admissionsPerSecond"] = "1000000",
            ["cpus"] = cpus ?? "any",
        };
        foreach (var pair in extraEnv)
        {
            description["env:" + pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        var edge = new EdgeProcess(child, new EdgeTarget(edgeId, new Uri($"ws://127.0.0.1:{port}/ws"), new Uri($"http://127.0.0.1:{port}/"), child.ProcessId) { InternalUri = new Uri($"http://127.0.0.1:{internalPort}/") }, signingKey, description);
        try
        {
            await child.WaitHealthyAsync(new Uri(edge.Edges[0].HttpUri, "healthz"), TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }

        return edge;
    }

    public ValueTask DisposeAsync()
    {
        _child.Dispose();
        return ValueTask.CompletedTask;
    }

    // What the runtime will use: DOTNET_gcServer wins over the runtimeconfig, whose default for a web app is server GC.
    private static string GcMode(string edgeDll, IReadOnlyDictionary<string, string> env)
    {
        if (env.TryGetValue("DOTNET_gcServer", out var forced) && forced is not null)
        {
            return forced == "0" ? "workstation (DOTNET_gcServer=0)" : "server (DOTNET_gcServer=1)";
        }

        var config = Path.ChangeExtension(edgeDll, ".runtimeconfig.json");
        if (File.Exists(config))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            if (doc.RootElement.TryGetProperty("runtimeOptions", out var options) && options.TryGetProperty("configProperties", out var properties)
                && properties.TryGetProperty("System.GC.Server", out var server))
            {
                var concurrent = properties.TryGetProperty("System.GC.Concurrent", out var c) && c.ValueKind == JsonValueKind.False ? ", non-concurrent" : "";
                return (server.GetBoolean() ? "server" : "workstation") + concurrent + " (runtimeconfig)";
            }
        }

        return "workstation (runtime default)";
    }
}
