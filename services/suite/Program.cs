using System.Text.Json.Nodes;
using Suite.Embedded;

// The quick start: `dotnet run --project services/suite` (optionally `-- --port 5000`).
// `--describe-json` adds one `suite-description: {json}` line for programs that start the suite
// (the load generator): the edge, every service's metrics and a sidecar to publish through.
var port = 5000;
var describe = false;
// The demo and ops pages: clients/typescript's build output in this checkout unless --pages DIR
// (or --no-pages) says otherwise.
var pages = EmbeddedSuite.BuiltPagesPath;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length)
    {
        port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--describe-json")
    {
        describe = true;
    }
    else if (args[i] == "--pages" && i + 1 < args.Length)
    {
        pages = Path.GetFullPath(args[++i]);
    }
    else if (args[i] == "--no-pages")
    {
        pages = null;
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

await using var suite = await EmbeddedSuite.StartAsync(port, pages, stop.Token);
Console.WriteLine("Gateway suite running (embedded, in-memory components).");
if (pages is not null)
{
    Console.WriteLine($"  Demo:       http://127.0.0.1:{port}/" + (Directory.Exists(pages) ? "" : $"  (not built: cd clients/typescript && npm ci && npm run build)"));
    Console.WriteLine($"  Ops:        http://127.0.0.1:{port}/ops");
}

Console.WriteLine($"  WebSocket:  ws://127.0.0.1:{port}/ws");
Console.WriteLine($"  Dev token:  http://127.0.0.1:{port}/dev/token?user=alice");
Console.WriteLine($"  Metrics:    http://127.0.0.1:{port}/metrics");
if (describe)
{
    // The launcher's shape (services/launcher/SuiteDescription.cs), so one reader serves both.
    Console.WriteLine("suite-description: " + new JsonObject
    {
        ["mode"] = "embedded",
        ["edges"] = new JsonArray(new JsonObject
        {
            ["appId"] = "edge-0",
            ["webSocket"] = $"ws://127.0.0.1:{port}/ws",
            ["http"] = $"http://127.0.0.1:{port}/",
            ["internal"] = $"http://127.0.0.1:{suite.HttpPorts["edge-0"]}/",
            ["pid"] = Environment.ProcessId,
        }),
        ["metrics"] = new JsonObject
        {
            ["presence"] = $"http://127.0.0.1:{suite.HttpPorts["presence"]}/metrics",
            ["room"] = $"http://127.0.0.1:{suite.HttpPorts["room"]}/metrics",
            ["notification"] = $"http://127.0.0.1:{suite.HttpPorts["notification"]}/metrics",
        },
        ["daprHttp"] = $"http://127.0.0.1:{suite.SidecarHttpPorts["notification"]}/",
        ["brokers"] = new JsonArray(),
    }.ToJsonString());
}

Console.WriteLine("Ctrl+C stops it.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopping");
}
