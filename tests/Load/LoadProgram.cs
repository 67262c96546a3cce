using System.Text.Json;
using System.Text.Json.Nodes;
using Suite.Load.Measurement;
using Suite.Load.Output;
using Suite.Load.Scenarios;
using Suite.Load.Targets;

namespace Suite.Load;

/// <summary>
/// <c>Suite.Load &lt;scenario&gt; [options]</c> runs one scenario and prints one JSON result;
/// <c>Suite.Load report &lt;result.json&gt;…</c> prints them as Markdown.
/// </summary>
internal static class LoadProgram
{
    private const string Usage = """
        usage: Suite.Load <scenario>[,<scenario>...] [options]
                 scenarios: connect, fanout, fanout-sweep, direct, notify, storm, fanout-local, soak (one system, run in order)
               Suite.Load report <result.json>...   Markdown table of results
        options:
          --mode edge|embedded|redis|nats|seed-ws|signalr|urls
                                    edge: start services/edge as a child process (default); embedded: the
                                    embedded suite (services/suite); redis|nats: the launcher with brokers,
                                    all services and --edges N edges (default 2); seed-ws, signalr: start
                                    that peer (--instances of it on one redis-server); urls: use --url/--edge-id
          --connections N           connections (default 1000)
          --connect-rate N          new connections per second (default 1000)
          --connect-concurrency N   connection attempts in flight (default 128)
          --source-addresses N      loopback source addresses 127.0.0.2.. (default 16)
          --rate R --duration T     messages (fanout-local, direct) or events (notify) per second, and for how long (default 50, 10s)
          --rooms R --members M     fanout, fanout-sweep: R rooms x M members (default 20 x 50); notify: rooms the clients join
          --senders S --sender-rate X   fanout: S senders per room, X messages/s each (default 1, 10); fanout-sweep: S, rates from --rates
          --rates X1,X2,...         fanout-sweep: per-sender rates of its steps, each --warmup-duration unmeasured
                                    then --duration measured, stopping after the first step with p99 over 50 ms
                                    or under 95 % of the offered deliveries/s (default 5,10,20,40); the suite's
                                    edge refuses more than Connections:MessagesPerSecond (50) per connection
          --storm-deadline T        storm: how long a client retries (default 30s)
          --warmup-duration T       fanout, fanout-sweep: the same load, unmeasured, before the measured run (default 5s)
          --settle T                connect: idle time before measuring (default 5s)
          --drain-timeout T         delivery scenarios (a sweep: each step): wait for the last frames (default 10s)
          --payload-bytes N         fanout-local: padding in each frame
          --padding x|words         fanout-local: padding of one letter (default) or of random words
          --encoding NAME           protocol-v1 clients speak json (default), msgpack, cbor or protobuf
          --deflate true|false      protocol-v1 clients offer permessage-deflate (default false; the edge
                                    needs --edge-env Connections__PermessageDeflate=true to accept it)
          --envelope cloudevent|bare
          --warmup N                connect: warm-up connections before the baseline (default 200)
          --warmup-idle T           connect: keep the warm-up connections open and idle this long (default 0),
                                    e.g. through a keep-alive round, so its code and pool blocks count as baseline
          --held N                  connect: N connections opened and held idle through --settle before the
                                    baseline, so the figure is the slope between N and N + --connections
          soak (bench/soak.sh): --rooms R --members M (1 sender + M-1 receivers each) at --sender-rate X,
                                    --pairs P direct pairs at --rate R in total, --notify-rate E acknowledged
                                    business events/s, for --duration T; memory judged after --warmup-duration
          --churn-interval T --churn-away T   soak: one receiver leaves every T (default 1s) for T (default 2s)
          --burst-interval T --burst-share S  soak: S of the receivers drop at once every T (default 5m, 0.25)
          --sample-interval T       soak: memory sample period (default 30s)
          --collect-before-sample B soak: an induced full GC in each .NET server process before each memory sample (default true)
          --rss-growth-limit P      soak: most RSS growth per process after the warm-up for a pass (default 5 %)
          --edge-dll PATH           default services/edge/bin/Release/net10.0/Suite.Edge.dll
          --edge-cpus LIST          run every server process (edge, suite, peers, brokers) under taskset -c LIST (e.g. 0)
          --peers-dir DIR           seed-ws, signalr: where the peers live (default <repo>/../shared/peers)
          --instances N             seed-ws, signalr: peer instances (default 2)
          --edge-env KEY=VALUE      extra environment for the edge (suite modes: every service) (repeatable)
          --url ws://h:p/ws --edge-id ID   mode urls (repeatable, pairwise)
          --dapr-http URL           mode urls: a sidecar's HTTP API for notify (http://127.0.0.1:port/)
          --signing-key KEY         HS256 key (>= 32 bytes)
          --out FILE                write the JSON result there too
          --out-dir DIR             write each scenario's result to DIR/<mode>-<scenario>.json
          --suite-logs DIR          redis, nats: every service's and sidecar's whole output to DIR/<app-id>[-sidecar].log
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] == "report")
        {
            var results = args.Skip(1).Select(path => JsonNode.Parse(File.ReadAllText(path))!.AsObject()).ToList();
            Console.Write(MarkdownReport.Render(results));
            return 0;
        }

        LoadSettings settings;
        try
        {
            settings = LoadSettings.Parse(args[0], args[1..]);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        InlineSocketCompletions.Enable();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            List<JsonObject> results;
            await using (var progress = new Progress(Console.Error))
            {
                results = await ScenarioRunner.RunAsync(settings, FindRepoRoot(), progress, cancel.Token);
            }

            // One scenario: its result object; several: {"results":[...]}, still one object.
            var document = results.Count == 1 ? results[0] : new JsonObject { ["results"] = new JsonArray([.. results]) };
            var indented = new JsonSerializerOptions { WriteIndented = true };
            if (settings.Out is { } path)
            {
                await WriteAsync(path, document.ToJsonString(indented));
            }

            if (settings.OutDir is { } dir)
            {
                foreach (var result in results)
                {
                    await WriteAsync(Path.Combine(dir, $"{result["target"]!["mode"]}-{result["scenario"]}.json"), result.ToJsonString(indented));
                }
            }

            Console.WriteLine(document.ToJsonString(indented));
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"failed: {ex}");
            return 1;
        }
        finally
        {
            ChildProcesses.KillAll();
        }
    }

    private static async Task WriteAsync(string path, string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, json + Environment.NewLine);
    }

    /// <summary>
    /// The folder holding Suite.sln, from the current directory upwards first, then from this program's
    /// location: where the servers it starts are built (so a run from one checkout measures that one's).
    /// </summary>
    internal static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Suite.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
