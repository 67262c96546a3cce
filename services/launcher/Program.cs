using Suite.Launcher;
using Suite.LocalServers;

// Runs the suite as separate processes, each service beside its own emulator sidecar:
//   dotnet build -c Debug && dotnet run --project services/launcher -- --components components/redis --edges 2 --start-brokers
// --rooms N runs N room replicas (app id room each; edge i prefers replica i mod N).
// --start-brokers starts redis-server (and nats-server for components/nats) on free ports;
// without it the components' own addresses (localhost:6379, nats://localhost:4222) are used.
// --api-tokens runs every sidecar and service with a fresh APP_API_TOKEN and DAPR_API_TOKEN (docs/security.md).
// --logs DIR writes every service's and sidecar's whole output to DIR/<app-id>.log and DIR/<app-id>-sidecar.log.
// --setting KEY=VALUE (repeatable) reaches every service as an environment variable (e.g.
// Connections__AdmissionsPerSecond=1000000); once all is ready one `suite-description: {json}` line follows.
var components = "components/redis";
var edges = 2;
var rooms = 1;
var startBrokers = false;
var settings = new Dictionary<string, string>();
string? signingKey = null;
var withTokens = false;
string? logs = null;
var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--components": components = args[++i]; break;
        case "--edges": edges = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--rooms": rooms = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--start-brokers": startBrokers = true; break;
        case "--configuration": configuration = args[++i]; break;
        case "--signing-key": signingKey = args[++i]; break;
        case "--api-tokens": withTokens = true; break;
        case "--logs" when i + 1 < args.Length: logs = args[++i]; break;
        case "--setting" when i + 1 < args.Length && args[i + 1].Split('=', 2) is [{ Length: > 0 } key, var value]:
            settings[key] = value;
            i++;
            break;
        default:
            Console.Error.WriteLine($"launcher: unknown argument {args[i]}; use --components <folder> --edges <n> --rooms <n> --start-brokers --configuration <Debug|Release> --signing-key <key> --api-tokens --logs <folder> --setting KEY=VALUE");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// SIGTERM (docker stop, systemd, a script's kill) stops as cleanly as Ctrl+C; background jobs of a
// script ignore SIGINT, so this is the signal tools use.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var root = RepositoryRoot.Find();
await using var redis = startBrokers ? await RedisServer.StartAsync(stop.Token) : null;
await using var nats = startBrokers && components.Contains("nats", StringComparison.Ordinal) ? await NatsServer.StartAsync(stop.Token) : null;
var options = new TopologyOptions
{
    RepositoryRoot = root,
    ComponentsFolder = components,
    Edges = edges,
    Rooms = rooms,
    Configuration = configuration,
    RedisAddress = redis?.ConnectionString,
    NatsUrl = nats?.Url,
    Settings = settings,
    LogsFolder = logs,
    // The services authenticate each other's gRPC calls with a key made for this run.
    ServiceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    // Fresh random tokens per run: nothing outside this launcher needs to know them.
    AppApiToken = withTokens ? Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) : null,
    DaprApiToken = withTokens ? Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) : null,
};
await using var suite = await SuiteTopology.StartAsync(signingKey is null ? options : options with { SigningKey = signingKey }, stop.Token);

Console.WriteLine($"suite running over {components} ({configuration} build)");
foreach (var edge in suite.Edges)
{
    Console.WriteLine($"  {edge.AppId}: ws://127.0.0.1:{edge.HttpPort}/ws   token: http://127.0.0.1:{edge.HttpPort}/dev/token?user=alice");
}

if (options.AppApiToken is not null)
{
    // A business service publishing through a sidecar of this suite needs the Dapr API token.
    Console.WriteLine($"  APP_API_TOKEN={options.AppApiToken} DAPR_API_TOKEN={options.DaprApiToken}");
}

Console.WriteLine($"  presence {suite.Presence.GrpcAddress}, room {string.Join(",", suite.Rooms.Select(r => r.GrpcAddress))}, notification {suite.Notification.GrpcAddress}");
Console.WriteLine(SuiteDescription.Line(suite, components, [.. new[] { redis?.ProcessId, nats?.ProcessId }.OfType<int>()]));
Console.WriteLine("Ctrl+C stops everything.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopping");
}

return 0;
