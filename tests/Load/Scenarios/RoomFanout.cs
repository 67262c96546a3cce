using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// What <c>fanout</c> and <c>fanout-sweep</c> share: R rooms × M members connected and joined once,
/// spread round robin over the edges (so a room's members sit on every edge), then any number of
/// measured steps, each S senders per room at a fixed rate after a warm-up of the same load.
/// Message numbers of successive steps do not overlap, so each client's bitmap tells every step's
/// losses and duplicates apart.
/// </summary>
internal sealed class RoomFanout : IAsyncDisposable
{
    private const int SendsInFlight = 256;
    private readonly ISystemUnderTest _system;
    private readonly ClientFleet _fleet;
    private readonly FanoutTally _tally;
    private readonly Progress _progress;
    private readonly int _rooms;
    private readonly int _members;
    private readonly IGatewayClient?[] _senderOf;
    private readonly int[] _receiversPerRoom;
    private Dictionary<int, IGatewayClient> _clients = [];
    private long _nextNumber;

    private RoomFanout(ISystemUnderTest system, ClientFleet fleet, FanoutTally tally, Progress progress, int rooms, int members, int senders)
    {
        _system = system;
        _fleet = fleet;
        _tally = tally;
        _progress = progress;
        _rooms = rooms;
        _members = members;
        _senderOf = new IGatewayClient?[rooms * senders];
        _receiversPerRoom = new int[rooms];
    }

    /// <summary>Connect, join and room-shape figures, the same for every step.</summary>
    public JsonObject Setup { get; } = [];

    /// <summary>Room messages the given rate sends over <paramref name="duration"/>.</summary>
    public static int MessageCount(LoadSettings settings, double senderRate, TimeSpan duration) =>
        (int)Math.Round(settings.Rooms * Math.Min(settings.Senders, settings.Members) * senderRate * duration.TotalSeconds);

    /// <param name="messages">Measured room messages of all the steps to come (sizes each client's bitmap).</param>
    public static async Task<RoomFanout> JoinAsync(ISystemUnderTest system, LoadSettings settings, int messages, Progress progress, CancellationToken cancellationToken)
    {
        var (rooms, members) = (settings.Rooms, settings.Members);
        var senders = Math.Min(settings.Senders, members);
        var n = rooms * members;
        var tally = new FanoutTally(messages);
        var fleet = new ClientFleet(system, settings.SourceAddresses);
        var fanout = new RoomFanout(system, fleet, tally, progress, rooms, members, senders);
        try
        {
            progress.Phase($"connecting {n} ({rooms} rooms x {members})", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
            await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
            fleet.ThrowIfNoneConnected();
            var joinCpu = JoinCpu.Start(system);
            var (clients, joinFailures, joinsPerSecond) = await RoomJoins.JoinAsync(fleet.Clients, c => RoomFanoutScenario.RoomId(c.Index / members), progress, cancellationToken);
            var joinCpuFigures = joinCpu.Stop(clients.Count);
            fanout._clients = clients;

            // Message k is sent by sender (k / rooms) % senders of room k % rooms: consecutive messages
            // go to different rooms, so the load is even over time.
            for (var slot = 0; slot < fanout._senderOf.Length; slot++)
            {
                fanout._senderOf[slot] = clients.GetValueOrDefault((slot % rooms * members) + (slot / rooms));
            }

            for (var r = 0; r < rooms; r++)
            {
                fanout._receiversPerRoom[r] = Enumerable.Range(r * members, members).Count(clients.ContainsKey);
            }

            var edgesPerRoom = Enumerable.Range(0, rooms).Select(r => Enumerable.Range(r * members, members).Where(clients.ContainsKey).Select(i => fleet.EdgeFor(i).EdgeId).Distinct().Count()).ToArray();
            fanout.Setup["rooms"] = rooms;
            fanout.Setup["membersPerRoom"] = members;
            fanout.Setup["sendersPerRoom"] = senders;
            fanout.Setup["connected"] = clients.Count;
            fanout.Setup["connectFailed"] = fleet.Failed;
            fanout.Setup["connectFailures"] = ConnectScenario.ToJson(fleet.Failures);
            fanout.Setup["joined"] = clients.Count;
            fanout.Setup["joinFailures"] = ConnectScenario.ToJson(joinFailures);
            fanout.Setup["joinsPerSecond"] = joinsPerSecond;
            fanout.Setup["joinPhase"] = joinCpuFigures;
            fanout.Setup["edgesHostingEachRoom"] = edgesPerRoom.Average();
            return fanout;
        }
        catch
        {
            await fanout.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One measured step: <paramref name="warmup"/> of the load unmeasured (waiting at most
    /// <paramref name="warmupTimeout"/> for it to arrive), then <paramref name="duration"/> measured,
    /// drained for at most <paramref name="drainTimeout"/>. Its figures, without <see cref="Setup"/>.
    /// </summary>
    public async Task<JsonObject> RunStepAsync(
        double senderRate, TimeSpan warmup, TimeSpan duration, TimeSpan warmupTimeout, TimeSpan drainTimeout, HttpClient http, CancellationToken cancellationToken)
    {
        var sendsPerSecond = _senderOf.Length * senderRate;
        var count = (int)Math.Round(sendsPerSecond * duration.TotalSeconds);
        var first = _nextNumber;
        if (first + count > _tally.ExpectedPerClient)
        {
            throw new InvalidOperationException($"{count} more messages do not fit the {_tally.ExpectedPerClient} this fan-out was sized for");
        }

        _nextNumber += count;
        var expected = 0L;
        var sendFailed = 0;
        var sent = 0;

        // Message k goes from its slot's sender to its room, numbered `number`; `expect` counts the
        // deliveries it should make (undone when the send fails).
        async Task SendAsync(int k, long number, long scheduledAt, Action<long> expect, CancellationToken ct)
        {
            var slot = k % _senderOf.Length;
            if (_senderOf[slot] is not { } sender || sender.Lost is not null)
            {
                Interlocked.Increment(ref sendFailed);
                return;
            }

            var receivers = _receiversPerRoom[slot % _rooms] - 1;
            expect(receivers);
            try
            {
                await sender.SendToRoomAsync(RoomFanoutScenario.RoomId(slot % _rooms), BenchMarker.Create(number, scheduledAt), ct);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or InvalidOperationException)
            {
                Interlocked.Increment(ref sendFailed);
                expect(-receivers);
            }
        }

        // Warm-up: the same load, numbered outside the run, until every hop is compiled and connected
        // (with a dozen processes on one core the JIT alone takes seconds), then counters start at zero.
        var warmupCount = Math.Max(_senderOf.Length, (int)Math.Round(sendsPerSecond * warmup.TotalSeconds));
        var warmedUp = await DeliveryWindow.WhileScrapingAsync(_system, http, _tally.WarmUpAsync(
            warmupCount, sendsPerSecond, SendsInFlight, SendAsync,
            _progress, $"warm-up: {warmup.TotalSeconds:F0} s at {senderRate}/s per sender", warmupTimeout, cancellationToken, untilCompiled: new(_system.ServerProcessIds(), warmup)), cancellationToken);
        sendFailed = 0;

        var clients = _clients.Values.ToList();
        var receivedBefore = DeliveryWindow.ReceivedSoFar(clients);
        var window = await DeliveryWindow.OpenAsync(_system, http, cancellationToken);
        _progress.Phase($"{_senderOf.Length} senders x {senderRate}/s for {duration.TotalSeconds:F0} s", () =>
            $"sent {Volatile.Read(ref sent)}/{count}, received {_tally.Frames}, lost connections {clients.Count(c => c.Lost is not null)}");
        var (start, issuing) = await PacedSends.RunAsync(
            count,
            sendsPerSecond,
            SendsInFlight,
            (k, scheduledAt, ct) => SendAsync(k, first + k, scheduledAt, n => Interlocked.Add(ref expected, n), ct),
            i => Volatile.Write(ref sent, i),
            cancellationToken);

        await DeliveryWindow.DrainAsync(_tally, expected, clients, drainTimeout, _progress, cancellationToken, receivedBefore);
        var messages = count - sendFailed;
        var figures = await window.CloseAsync(_tally, expected, clients, start, cancellationToken, receivedBefore, messages);
        figures["warmupComplete"] = warmedUp;
        figures["warmupMessages"] = warmupCount;
        figures["warmupCompileRounds"] = _tally.CompileRounds;
        figures["senderRatePerSecond"] = senderRate;
        figures["messagesSent"] = messages;
        figures["sendFailed"] = sendFailed;
        figures["sendSeconds"] = Math.Round(issuing.TotalSeconds, 3);
        figures["offeredDeliveriesPerSecond"] = Math.Round(sendsPerSecond * (_members - 1), 1);
        if (figures["roomEdgePublishes"] is JsonValue publishes && messages > 0)
        {
            figures["daprPublishesPerRoomMessage"] = Math.Round(publishes.GetValue<double>() / messages, 3);
        }

        return figures;
    }

    public async ValueTask DisposeAsync()
    {
        _progress.Phase("closing");
        await _fleet.DisposeAsync();
    }
}
