using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>notify</c>: what a business service does. N clients connected (and in R rooms); a publisher
/// sends <c>notifications</c> events through a Dapr sidecar's HTTP API at R events per second for T
/// seconds, cycling the target: two users, one room, everyone, after the same load for the warm-up
/// duration (unmeasured). Each targeted client must get each event once. Only the suite has this
/// path (the peers have no business-event input).
/// </summary>
internal sealed class NotifyScenario : IScenario
{
    private const int PublishesInFlight = 64;

    public string Name => "notify";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        if (system.DaprHttpEndpoint is not { } dapr)
        {
            return new JsonObject { ["notSupported"] = $"{system.Mode} has no Dapr pub/sub input for business events" };
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var n = settings.Connections;
        var rooms = Math.Clamp(settings.Rooms, 1, n);
        var membersPerRoom = Math.Max(1, n / rooms);
        var count = (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds);
        var tally = new FanoutTally(count);
        var runId = "notify-" + Guid.NewGuid().ToString("N")[..8];

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {n}", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
        fleet.ThrowIfNoneConnected();
        var connected = fleet.ByIndex();
        var (joined, joinFailures, _) = await RoomJoins.JoinAsync(connected.Values.Where(c => c.Index / membersPerRoom < rooms), c => RoomFanoutScenario.RoomId(c.Index / membersPerRoom), progress, cancellationToken);
        // A client whose join failed was closed: it receives nothing, not even "everyone" events.
        var clients = connected.Where(c => c.Value.Index / membersPerRoom >= rooms || joined.ContainsKey(c.Key)).ToDictionary();

        var roomSize = Enumerable.Range(0, rooms).Select(r => Enumerable.Range(r * membersPerRoom, membersPerRoom).Count(clients.ContainsKey)).ToArray();
        var publishUri = new Uri(dapr, "v1.0/publish/pubsub/notifications");
        var failed = 0;
        string? lastFailure = null;
        var expected = 0L;
        var kinds = new long[3];

        // Event k goes to target k (two users, a room, everyone, in turn); the number it carries is k
        // in the run and outside it in the warm-up.
        async Task PublishEventAsync(int k, long number, string id, long scheduledAt, Action<long> expect, CancellationToken ct)
        {
            var (target, recipients) = Target(k, n, rooms, membersPerRoom, roomSize, clients);
            expect(recipients);
            try
            {
                await PublishAsync(http, publishUri, id, target, BenchMarker.Create(number, scheduledAt), ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
                expect(-recipients);
                lastFailure = ex.Message;
            }
        }

        // Warm-up: the same load for the warm-up duration, numbered outside the run, as the fan-out
        // and direct scenarios do, so the window measures neither the connects' aftermath nor the JIT.
        var warmupCount = Math.Max(3, (int)Math.Round(settings.Rate * settings.WarmupDuration.TotalSeconds));
        var warmedUp = await DeliveryWindow.WhileScrapingAsync(system, http, tally.WarmUpAsync(
            warmupCount, settings.Rate, PublishesInFlight, (k, number, at, expect, ct) => PublishEventAsync(k, number, $"{runId}-warmup-{k}", at, expect, ct),
            progress, $"warm-up: {settings.WarmupDuration.TotalSeconds:F0} s at {settings.Rate} events/s", RoomFanoutScenario.WarmupTimeout, cancellationToken, untilCompiled: new(system.ServerProcessIds(), settings.WarmupDuration)), cancellationToken);
        failed = 0;
        lastFailure = null;

        var window = await DeliveryWindow.OpenAsync(system, http, cancellationToken);
        var sent = 0;
        progress.Phase($"publishing {settings.Rate} events/s for {settings.Duration.TotalSeconds:F0} s", () => $"sent {Volatile.Read(ref sent)}/{count}, received {tally.Frames}, failed {Volatile.Read(ref failed)}");
        var (start, _) = await PacedSends.RunAsync(
            count,
            settings.Rate,
            PublishesInFlight,
            (k, scheduledAt, ct) =>
            {
                Interlocked.Increment(ref kinds[k % 3]);
                return PublishEventAsync(k, k, $"{runId}-{k}", scheduledAt, r => Interlocked.Add(ref expected, r), ct);
            },
            i => Volatile.Write(ref sent, i),
            cancellationToken);

        var all = clients.Values.ToList();
        await DeliveryWindow.DrainAsync(tally, expected, all, settings.DrainTimeout, progress, cancellationToken);
        var figures = await window.CloseAsync(tally, expected, all, start, cancellationToken);
        figures["warmupComplete"] = warmedUp;
        figures["warmupCompileRounds"] = tally.CompileRounds;
        figures["connected"] = clients.Count;
        figures["connectFailed"] = fleet.Failed;
        figures["rooms"] = rooms;
        figures["joinFailures"] = ConnectScenario.ToJson(joinFailures);
        figures["eventsPublished"] = count - failed;
        figures["eventsByTarget"] = new JsonObject { ["users"] = kinds[0], ["room"] = kinds[1], ["everyone"] = kinds[2] };
        figures["publishFailed"] = failed;
        figures["publishLastFailure"] = lastFailure;

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        return figures;
    }

    /// <summary>One <c>notifications</c> event through the sidecar's publish API, as a business service would send it.</summary>
    private static async Task PublishAsync(HttpClient http, Uri publishUri, string id, string target, string content, CancellationToken cancellationToken)
    {
        var body = $$$"""{"id":"{{{id}}}",{{{target}}},"payload":{"type":"bench","content":"{{{content}}}"}}""";
        using var request = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(publishUri, request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Event k's target JSON and how many connected clients it reaches: two users, a room, everyone, in turn.</summary>
    private static (string Json, int Recipients) Target(int k, int n, int rooms, int membersPerRoom, int[] roomSize, IReadOnlyDictionary<int, IGatewayClient> clients)
    {
        switch (k % 3)
        {
            case 0:
                var a = k / 3 % n;
                var b = (a + (n / 2) + 1) % n;
                var users = a == b ? [a] : new[] { a, b };
                return ($$"""
                    "users":{"ids":[{{string.Join(',', users.Select(u => JsonSerializer.Serialize(ClientFleet.UserId(u))))}}]}
                    """, users.Count(clients.ContainsKey));
            case 1:
                var room = k / 3 % rooms;
                return ($"\"room\":\"{RoomFanoutScenario.RoomId(room)}\"", roomSize[room]);
            default:
                return ("\"everyone\":true", clients.Count);
        }
    }
}
