using Suite.Embedded;

// The quick start: `dotnet run --project services/suite` (optionally `-- --port 5000`).
var port = args.Length == 2 && args[0] == "--port" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000;
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

await using var suite = await EmbeddedSuite.StartAsync(port, stop.Token);
Console.WriteLine("Gateway suite running (embedded, in-memory components).");
Console.WriteLine($"  WebSocket:  ws://127.0.0.1:{port}/ws");
Console.WriteLine($"  Dev token:  http://127.0.0.1:{port}/dev/token?user=alice");
Console.WriteLine($"  Metrics:    http://127.0.0.1:{port}/metrics");
Console.WriteLine("Ctrl+C stops it.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopping");
}
