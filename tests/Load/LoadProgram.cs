using System.Text.Json;
using System.Text.Json.Nodes;
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
        usage: Suite.Load <scenario> [options]      scenarios: connect, fanout-local
               Suite.Load report <result.json>...   Markdown table of results
        options:
          --mode edge|embedded|redis|nats|urls
                                    edge: start services/edge as a child process (default); embedded: the
                                    embedded suite (services/suite); redis|nats: the launcher with brokers,
                                    all services and --edges N edges (default 2); urls: use --url/--edge-id
          --connections N           connections (default 1000)
          --connect-rate N          new connections per second (default 1000)
          --connect-concurrency N   connection attempts in flight (default 128)
          --source-addresses N      loopback source addresses 127.0.0.2.. (default 16)
          --rate R --duration T     fanout-local: deliveries/s and how long (default 50, 10s)
          --settle T                connect: idle time before measuring (default 5s)
          --drain-timeout T         fanout-local: wait for the last frames (default 10s)
          --payload-bytes N         fanout-local: padding in each frame
          --envelope cloudevent|bare
          --warmup N                connect: warm-up connections before the baseline (default 200)
          --edge-dll PATH           default services/edge/bin/Release/net10.0/Suite.Edge.dll
          --edge-cpus LIST          run the edge (or every suite process) under taskset -c LIST (e.g. 0)
          --edge-env KEY=VALUE      extra environment for the edge (suite modes: every service) (repeatable)
          --url ws://h:p/ws --edge-id ID   mode urls (repeatable, pairwise)
          --signing-key KEY         HS256 key (>= 32 bytes)
          --out FILE                write the JSON result there too
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

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            JsonObject result;
            await using (var progress = new Progress(Console.Error))
            {
                result = await ScenarioRunner.RunAsync(settings, FindRepoRoot(), progress, cancel.Token);
            }

            var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (settings.Out is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, json + Environment.NewLine);
            }

            Console.WriteLine(json);
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

    /// <summary>The folder holding Suite.sln, from the current directory or this assembly's location upwards.</summary>
    private static string FindRepoRoot()
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
