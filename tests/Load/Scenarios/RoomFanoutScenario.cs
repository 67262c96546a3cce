using System.Globalization;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>fanout</c>: R rooms × M members, spread round robin over the edges (so a room's members sit
/// on every edge), S senders per room each sending <c>message</c> frames at a fixed rate for T
/// seconds. Every other member of the room must get each message exactly once, the sender none.
/// Figures: delivered msgs/s, latency from the scheduled send, lost, duplicated, CPU of all server
/// processes per delivered message, and (suite) how many edge publishes the room service made per
/// room message against the number of edges hosting the room's members.
/// </summary>
internal sealed class RoomFanoutScenario : IScenario
{
    private const int SendsInFlight = 256;
    internal static readonly TimeSpan WarmupTimeout = TimeSpan.FromSeconds(30);

    public string Name => "fanout";

    public static string RoomId(int room) => "bench-room-" + room.ToString(CultureInfo.InvariantCulture);

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (rooms, members) = (settings.Rooms, settings.Members);
        var senders = Math.Min(settings.Senders, members);
        var n = rooms * members;
        var sendsPerSecond = rooms * senders * settings.SenderRate;
        var count = (int)Math.Round(sendsPerSecond * settings.Duration.TotalSeconds);
        var tally = new FanoutTally(count);

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {n} ({rooms} rooms x {members})", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
        fleet.ThrowIfNoneConnected();
        var (clients, joinFailures, joinsPerSecond) = await RoomJoins.JoinAsync(fleet.Clients, c => RoomId(c.Index / members), progress, cancellationToken);

        // Message k is sent by sender (k / rooms) % senders of room k % rooms: consecutive messages
        // go to different rooms, so the load is even over time.
        var senderOf = new IGatewayClient?[rooms * senders];
        for (var slot = 0; slot < senderOf.Length; slot++)
        {
            senderOf[slot] = clients.GetValueOrDefault((slot % rooms * members) + (slot / rooms));
        }

        var receiversPerRoom = Enumerable.Range(0, rooms).Select(r => Enumerable.Range(r * members, members).Count(clients.ContainsKey)).ToArray();
        var edgesPerRoom = Enumerable.Range(0, rooms).Select(r => Enumerable.Range(r * members, members).Where(clients.ContainsKey).Select(i => fleet.EdgeFor(i).EdgeId).Distinct().Count()).ToArray();

        var expected = 0L;
        var sendFailed = 0;
        var sent = 0;

        // Message k goes from its slot's sender to its room, numbered `number`; `expect` counts the
        // deliveries it should make (undone when the send fails).
        async Task SendAsync(int k, long number, long scheduledAt, Action<long> expect, CancellationToken ct)
        {
            var slot = k % senderOf.Length;
            if (senderOf[slot] is not { } sender || sender.Lost is not null)
            {
                Interlocked.Increment(ref sendFailed);
                return;
            }

            var receivers = receiversPerRoom[slot % rooms] - 1;
            expect(receivers);
            try
            {
                await sender.SendToRoomAsync(RoomId(slot % rooms), BenchMarker.Create(number, scheduledAt), ct);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or InvalidOperationException)
            {
                Interlocked.Increment(ref sendFailed);
                expect(-receivers);
            }
        }

        // Warm-up: the same load, numbered outside the run, until every hop is compiled and connected
        // (with a dozen processes on one core the JIT alone takes seconds), then counters start at zero.
        var warmupCount = Math.Max(senderOf.Length, (int)Math.Round(sendsPerSecond * settings.WarmupDuration.TotalSeconds));
        var warmupFrames = 0L;
        progress.Phase($"warm-up: {settings.WarmupDuration.TotalSeconds:F0} s of the same load", () => $"received {tally.Frames}/{Interlocked.Read(ref warmupFrames)}");
        await PacedSends.RunAsync(warmupCount, sendsPerSecond, SendsInFlight, (k, at, ct) => SendAsync(k, tally.WarmupNumber(k), at, n => Interlocked.Add(ref warmupFrames, n), ct), null, cancellationToken);
        var warmedUp = await tally.WarmUpAsync(warmupFrames, WarmupTimeout, cancellationToken);
        sendFailed = 0;

        var window = await DeliveryWindow.OpenAsync(system, http, cancellationToken);
        progress.Phase($"{rooms * senders} senders x {settings.SenderRate}/s for {settings.Duration.TotalSeconds:F0} s", () =>
            $"sent {Volatile.Read(ref sent)}/{count}, received {tally.Frames}, lost connections {clients.Values.Count(c => c.Lost is not null)}");
        var (start, issuing) = await PacedSends.RunAsync(
            count,
            sendsPerSecond,
            SendsInFlight,
            (k, scheduledAt, ct) => SendAsync(k, k, scheduledAt, n => Interlocked.Add(ref expected, n), ct),
            i => Volatile.Write(ref sent, i),
            cancellationToken);

        await DeliveryWindow.DrainAsync(tally, expected, clients.Values.ToList(), settings.DrainTimeout, progress, cancellationToken);
        var figures = await window.CloseAsync(tally, expected, clients.Values.ToList(), start, cancellationToken);
        figures["warmupComplete"] = warmedUp;
        figures["warmupMessages"] = warmupCount;
        figures["rooms"] = rooms;
        figures["membersPerRoom"] = members;
        figures["sendersPerRoom"] = senders;
        figures["connected"] = clients.Count;
        figures["connectFailed"] = fleet.Failed;
        figures["connectFailures"] = ConnectScenario.ToJson(fleet.Failures);
        figures["joined"] = clients.Count;
        figures["joinFailures"] = ConnectScenario.ToJson(joinFailures);
        figures["joinsPerSecond"] = joinsPerSecond;
        figures["messagesSent"] = count - sendFailed;
        figures["sendFailed"] = sendFailed;
        figures["sendSeconds"] = Math.Round(issuing.TotalSeconds, 3);
        figures["offeredDeliveriesPerSecond"] = Math.Round(rooms * senders * settings.SenderRate * (members - 1), 1);
        figures["edgesHostingEachRoom"] = edgesPerRoom.Average();
        if (figures["roomEdgePublishes"] is JsonValue publishes && count - sendFailed > 0)
        {
            figures["daprPublishesPerRoomMessage"] = Math.Round(publishes.GetValue<double>() / (count - sendFailed), 3);
        }

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        return figures;
    }
}
