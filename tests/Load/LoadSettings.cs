using System.Globalization;

namespace Suite.Load;

/// <summary>Everything a run is told on its command line; written verbatim into the result so a figure always comes with its settings.</summary>
internal sealed record LoadSettings
{
    public string Scenario { get; init; } = "connect";

    /// <summary>
    /// <c>edge</c>: start one edge as a child process; <c>embedded</c>: start the embedded suite;
    /// <c>redis</c>/<c>nats</c>: start the launcher over that broker (<see cref="Edges"/> edges);
    /// <c>urls</c>: drive edges that already run (<see cref="Urls"/>).
    /// </summary>
    public string Mode { get; init; } = "edge";

    /// <summary>Edges the launcher starts (modes redis and nats).</summary>
    public int Edges { get; init; } = 2;

    /// <summary>Connections to open (connect) or to fan out to (fanout-local).</summary>
    public int Connections { get; init; } = 1000;

    /// <summary>New connections per second the generator opens, at most.</summary>
    public int ConnectRate { get; init; } = 1000;

    /// <summary>Connection attempts in flight at once.</summary>
    public int ConnectConcurrency { get; init; } = 128;

    /// <summary>Loopback source addresses 127.0.0.2 … to spread connections over (each has its own ephemeral port range).</summary>
    public int SourceAddresses { get; init; } = 16;

    /// <summary>Deliveries per second the publisher sends (fanout-local).</summary>
    public double Rate { get; init; } = 50;

    /// <summary>How long the publisher sends (fanout-local).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after the connections are open before measuring (connect), so the edge is idle.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for the last frames after the publisher stops.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra bytes of padding in each fan-out frame's content.</summary>
    public int PayloadBytes { get; init; }

    /// <summary>
    /// What the padding is made of: <c>x</c> (one letter repeated, as before) or <c>words</c> (words
    /// drawn at random from a small vocabulary, which compresses about as chat text does).
    /// </summary>
    public string Padding { get; init; } = "x";

    /// <summary>The encoding protocol-v1 clients speak: json, msgpack, cbor or protobuf (the subprotocol gateway.v1.&lt;encoding&gt;).</summary>
    public string Encoding { get; init; } = "json";

    /// <summary>Protocol-v1 clients offer permessage-deflate (the edge accepts it only with Connections:PermessageDeflate on).</summary>
    public bool Deflate { get; init; }

    /// <summary><c>cloudevent</c> (what Dapr sends) or <c>bare</c> EdgeDelivery JSON to /dapr/deliveries.</summary>
    public string Envelope { get; init; } = "cloudevent";

    /// <summary>Warm-up connections opened and closed before the baseline (connect), so JIT and pools are not counted per connection.</summary>
    public int Warmup { get; init; } = 200;

    /// <summary>
    /// connect: how long the warm-up connections stay open, idle, before they close. Long enough for a
    /// keep-alive round, the ping and pong path is compiled and Kestrel's pool has seen a round before
    /// the baseline, so neither counts per connection.
    /// </summary>
    public TimeSpan WarmupIdle { get; init; }

    /// <summary>
    /// connect: connections opened and held idle (through <see cref="Settle"/>) before the baseline, so
    /// the figure is the slope between this many and this many plus <see cref="Connections"/> in one
    /// process, not (after - before) / N from an empty edge, whose heap and pools also grow for reasons
    /// that are not per connection.
    /// </summary>
    public int Held { get; init; }

    /// <summary>fanout: rooms; notify: rooms the clients are spread over.</summary>
    public int Rooms { get; init; } = 20;

    /// <summary>fanout: members per room (connections = rooms × members).</summary>
    public int Members { get; init; } = 50;

    /// <summary>fanout: senders per room.</summary>
    public int Senders { get; init; } = 1;

    /// <summary>fanout: messages per second each sender sends.</summary>
    public double SenderRate { get; init; } = 10;

    /// <summary>fanout, direct, notify: how long the same load runs, unmeasured, before the measured run (JIT, connections, pools).</summary>
    public TimeSpan WarmupDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>fanout-sweep: the per-sender rates of its steps (messages/s), run lowest first.</summary>
    public IReadOnlyList<double> SweepRates { get; init; } = [5, 10, 20, 40];

    /// <summary>storm: how long a client keeps retrying before it gives up.</summary>
    public TimeSpan StormDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>soak: direct-message pairs (two clients each, never churned on purpose).</summary>
    public int Pairs { get; init; } = 20;

    /// <summary>soak: acknowledged business events published per second (one user each).</summary>
    public double NotifyRate { get; init; } = 5;

    /// <summary>soak: one receiver leaves every this often.</summary>
    public TimeSpan ChurnInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>soak: how long a churned receiver stays away before it resumes.</summary>
    public TimeSpan ChurnAway { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>soak: a reconnect burst every this often (the first at half of it).</summary>
    public TimeSpan BurstInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>soak: the share of the receivers a burst drops at once.</summary>
    public double BurstShare { get; init; } = 0.25;

    /// <summary>soak: how often each server process's memory is sampled.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// soak: each .NET server process runs an induced full GC just before its memory is sampled, so
    /// the samples compare what the process keeps, not how much garbage it held at that moment.
    /// </summary>
    public bool CollectBeforeSample { get; init; } = true;

    /// <summary>soak: the most a judged process's RSS may grow after the warm-up, in per cent, for a pass.</summary>
    public double RssGrowthLimitPercent { get; init; } = Scenarios.Soak.SoakVerdict.DefaultRssGrowthLimitPercent;

    public string? Out { get; init; }

    /// <summary>Several scenarios in one run: each result is written to OutDir/&lt;mode&gt;-&lt;scenario&gt;.json.</summary>
    public string? OutDir { get; init; }

    /// <summary>Modes redis and nats: the launcher writes each service's and sidecar's output there (its <c>--logs</c>).</summary>
    public string? SuiteLogs { get; init; }

    /// <summary>The edge's built Suite.Edge.dll (mode edge); defaults to services/edge/bin/Release/net10.0 under the repository.</summary>
    public string? EdgeDll { get; init; }

    /// <summary>Extra environment for the edge process, KEY=VALUE (e.g. DOTNET_gcServer=0).</summary>
    public IReadOnlyList<string> EdgeEnv { get; init; } = [];

    /// <summary>CPUs the edge process (and every other server process: peers, their Redis) may run on (taskset list, e.g. "0"); null = any.</summary>
    public string? EdgeCpus { get; init; }

    /// <summary>Mode urls: WebSocket URLs of running edges (ws://host:port/ws), with <see cref="EdgeIds"/> and <see cref="SigningKey"/>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    public IReadOnlyList<string> EdgeIds { get; init; } = [];

    /// <summary>Mode urls: a sidecar's Dapr HTTP API (http://127.0.0.1:port/) to publish business events to, for notify.</summary>
    public string? DaprHttp { get; init; }

    public string SigningKey { get; init; } = "suite-load-signing-key-0123456789abcdef";

    /// <summary>Modes seed-ws and signalr: the folder holding the peers; null = shared/peers next to the repository.</summary>
    public string? PeersDir { get; init; }

    /// <summary>Modes seed-ws and signalr: how many instances of the peer share one Redis.</summary>
    public int Instances { get; init; } = 2;

    /// <summary>The command line as given, so each scenario of a run can apply its own scoped options.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// The settings for one scenario of a run: options written <c>--&lt;scenario&gt;.&lt;option&gt;</c>
    /// (e.g. <c>--notify.rate 60</c>) apply to that scenario only and win over the plain ones.
    /// </summary>
    public LoadSettings ForScenario(string name) => Parse(Scenario, Arguments, name);

    public static LoadSettings Parse(string scenario, IReadOnlyList<string> arguments, string? only = null)
    {
        var args = Scoped(arguments, only);
        var s = new LoadSettings { Scenario = scenario };
        var env = new List<string>();
        var urls = new List<string>();
        var ids = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            s = name switch
            {
                "--mode" => s with { Mode = Value() },
                "--edges" => s with { Edges = Int(Value()) },
                "--connections" or "-n" => s with { Connections = Int(Value()) },
                "--connect-rate" => s with { ConnectRate = Int(Value()) },
                "--connect-concurrency" => s with { ConnectConcurrency = Int(Value()) },
                "--source-addresses" => s with { SourceAddresses = Int(Value()) },
                "--rate" or "-r" => s with { Rate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--duration" or "-t" => s with { Duration = ParseDuration(Value()) },
                "--settle" => s with { Settle = ParseDuration(Value()) },
                "--drain-timeout" => s with { DrainTimeout = ParseDuration(Value()) },
                "--payload-bytes" => s with { PayloadBytes = Int(Value()) },
                "--envelope" => s with { Envelope = Value() },
                "--encoding" => s with { Encoding = Value() },
                "--padding" => s with { Padding = Value() },
                "--deflate" => s with { Deflate = bool.Parse(Value()) },
                "--warmup" => s with { Warmup = Int(Value()) },
                "--warmup-idle" => s with { WarmupIdle = ParseDuration(Value()) },
                "--held" => s with { Held = Int(Value()) },
                "--rooms" => s with { Rooms = Int(Value()) },
                "--members" => s with { Members = Int(Value()) },
                "--senders" => s with { Senders = Int(Value()) },
                "--sender-rate" => s with { SenderRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--storm-deadline" => s with { StormDeadline = ParseDuration(Value()) },
                "--rates" => s with { SweepRates = Rates(Value()) },
                "--warmup-duration" => s with { WarmupDuration = ParseDuration(Value()) },
                "--pairs" => s with { Pairs = Int(Value()) },
                "--notify-rate" => s with { NotifyRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--churn-interval" => s with { ChurnInterval = ParseDuration(Value()) },
                "--churn-away" => s with { ChurnAway = ParseDuration(Value()) },
                "--burst-interval" => s with { BurstInterval = ParseDuration(Value()) },
                "--burst-share" => s with { BurstShare = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--sample-interval" => s with { SampleInterval = ParseDuration(Value()) },
                "--collect-before-sample" => s with { CollectBeforeSample = bool.Parse(Value()) },
                "--rss-growth-limit" => s with { RssGrowthLimitPercent = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--out" or "-o" => s with { Out = Value() },
                "--out-dir" => s with { OutDir = Value() },
                "--suite-logs" => s with { SuiteLogs = Value() },
                "--edge-dll" => s with { EdgeDll = Value() },
                "--edge-cpus" => s with { EdgeCpus = Value() },
                "--signing-key" => s with { SigningKey = Value() },
                "--peers-dir" => s with { PeersDir = Value() },
                "--instances" => s with { Instances = Int(Value()) },
                "--edge-env" => Add(env, Value(), s),
                "--url" => Add(urls, Value(), s),
                "--edge-id" => Add(ids, Value(), s),
                "--dapr-http" => s with { DaprHttp = Value() },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        s = s with { EdgeEnv = env, Urls = urls, EdgeIds = ids, Arguments = arguments };
        if (s.Mode is not ("edge" or "embedded" or "redis" or "nats" or "seed-ws" or "signalr" or "urls"))
        {
            throw new ArgumentException("--mode is edge, embedded, redis, nats, seed-ws, signalr or urls");
        }

        if (s.Instances < 1)
        {
            throw new ArgumentException("--instances must be at least 1");
        }

        if (s.Edges is < 1 or > 64)
        {
            throw new ArgumentException("--edges is 1..64");
        }

        if (s.Mode == "urls" && (urls.Count == 0 || urls.Count != ids.Count))
        {
            throw new ArgumentException("mode urls needs one --edge-id per --url");
        }

        if (Clients.ClientWire.Encodings.All(e => e != s.Encoding))
        {
            throw new ArgumentException("--encoding is " + string.Join(", ", Clients.ClientWire.Encodings));
        }

        if (s.Padding is not ("x" or "words"))
        {
            throw new ArgumentException("--padding is x or words");
        }

        if (s.Envelope is not ("cloudevent" or "bare"))
        {
            throw new ArgumentException("--envelope is cloudevent or bare");
        }

        if (s.Pairs < 0 || s.NotifyRate <= 0 || s.ChurnInterval <= TimeSpan.Zero || s.ChurnAway < TimeSpan.Zero || s.BurstInterval <= TimeSpan.Zero
            || s.BurstShare is < 0 or > 1 || s.SampleInterval <= TimeSpan.Zero || s.RssGrowthLimitPercent <= 0)
        {
            throw new ArgumentException("soak: pairs must be 0 or more, notify-rate, churn-interval, burst-interval, sample-interval and rss-growth-limit positive, churn-away not negative, burst-share 0..1");
        }

        if (s.Settle <= TimeSpan.Zero)
        {
            throw new ArgumentException("--settle must be positive: the connect scenario's idle CPU is measured over it");
        }

        return s.Connections <= 0 || s.ConnectRate <= 0 || s.Rate <= 0 || s.SourceAddresses is < 1 or > 250
            || s.Rooms <= 0 || s.Members < 2 || s.Senders <= 0 || s.SenderRate <= 0 || s.SweepRates.Count == 0 || s.SweepRates.Any(r => r <= 0)
            ? throw new ArgumentException("connections, connect-rate, rate, rooms, senders, sender-rate and rates must be positive, members at least 2; source-addresses 1..250")
            : s;
    }

    /// <summary>Plain options first, then those scoped to <paramref name="scenario"/> unscoped (later wins); other scenarios' scoped options dropped.</summary>
    private static List<string> Scoped(IReadOnlyList<string> args, string? scenario)
    {
        var plain = new List<string>();
        var scoped = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var dot = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i].IndexOf('.', StringComparison.Ordinal) : -1;
            if (dot < 0)
            {
                plain.Add(args[i]);
                continue;
            }

            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            if (!ScenarioNames.Contains(name[2..dot]))
            {
                throw new ArgumentException($"{name}: no scenario '{name[2..dot]}'");
            }

            if (name[2..dot] == scenario)
            {
                scoped.AddRange(["--" + name[(dot + 1)..], value]);
            }
        }

        return [.. plain, .. scoped];
    }

    /// <summary>Scenario names scoped options may use.</summary>
    public static readonly string[] ScenarioNames = ["connect", "fanout", "fanout-sweep", "direct", "notify", "storm", "fanout-local", "soak"];

    /// <summary>"10s", "500ms", "2m" or a number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        static double Number(string t) => double.Parse(t, CultureInfo.InvariantCulture);
        return text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(Number(text[..^2]))
            : text.EndsWith('s') ? TimeSpan.FromSeconds(Number(text[..^1]))
            : text.EndsWith('m') ? TimeSpan.FromMinutes(Number(text[..^1]))
            : TimeSpan.FromSeconds(Number(text));
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    // "5,10,20": a comma-separated list of numbers.
    private static double[] Rates(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => double.Parse(r, CultureInfo.InvariantCulture))];

    private static LoadSettings Add(List<string> list, string value, LoadSettings s)
    {
        list.Add(value);
        return s;
    }
}
