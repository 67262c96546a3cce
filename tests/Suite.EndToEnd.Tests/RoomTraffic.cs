using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// Traffic to one room through every way in: two WebSocket members on each edge (the edges prefer
/// different room replicas) and one direct PublishToRoom caller per replica, whose calls carry
/// idempotency keys and alternate between the replicas' addresses; a failed call is retried with the
/// same key on the next address until acknowledged. Every content carries a unique tag; every frame
/// each member gets is kept, so a test can count deliveries per message id.
/// </summary>
internal sealed class RoomTraffic : IAsyncDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly List<RoomService.RoomServiceClient> _replicas;
    private readonly List<GrpcChannel> _channels;
    private readonly List<Publisher> _publishers;
    private readonly CancellationTokenSource _stopReading;
    private readonly ConcurrentQueue<Sent> _sent = new();
    private int _turn;

    private RoomTraffic(string room, List<Member> members, List<GrpcChannel> channels, List<Publisher> publishers, CancellationTokenSource stopReading)
    {
        Room = room;
        Members = members;
        _channels = channels;
        _replicas = [.. channels.Select(c => new RoomService.RoomServiceClient(c))];
        _publishers = publishers;
        _stopReading = stopReading;
    }

    public string Room { get; }

    public IReadOnlyList<Member> Members { get; }

    public IReadOnlyCollection<Sent> AllSent => _sent;

    /// <param name="directCallers">
    /// False for no direct callers: their joins carry no edge lease, so a lapsed lease of the edge
    /// they name drops them for good, which a lease-outage test would take for lost messages.
    /// </param>
    public static async Task<RoomTraffic> StartAsync(SuiteFixture suite, string room, Func<string, string> user, CancellationToken cancellationToken, bool directCallers = true)
    {
        var members = new List<Member>();
        var channels = suite.Suite.Rooms.Select(r => GrpcChannel.ForAddress(r.GrpcAddress)).ToList();
        var stopReading = new CancellationTokenSource();
        try
        {
            for (var edge = 0; edge < suite.Suite.Edges.Count; edge++)
            {
                for (var k = 0; k < 2; k++)
                {
                    var userId = user($"ws{edge}{k}");
                    var member = new Member(userId, edge, await suite.ConnectAsync(edge, userId, cancellationToken));
                    members.Add(member);
                    member.Reading = ReadAsync(member.Client, member.Frames, stopReading.Token);
                }
            }

            await Task.WhenAll(members.Select(async member =>
            {
                await member.Client.SendAsync(new { type = "join", roomId = room, id = "join" }, cancellationToken);
                var answer = await Eventually.UntilAsync(
                    () => Task.FromResult(member.Frames.FirstOrDefault(f => Ref(f) == "join")),
                    f => f.ValueKind == JsonValueKind.Object,
                    Wait,
                    cancellationToken,
                    $"{member.UserId} joins");
                Assert.True(Is(answer, "joined"), $"{member.UserId} could not join: {answer}");
            }));

            // The direct callers are members too (a publish needs a joined connection), on an edge
            // that hosts the room anyway, with no socket behind their connection.
            var publishers = new List<Publisher>();
            for (var p = 0; directCallers && p < channels.Count; p++)
            {
                var publisher = new Publisher(p, user($"grpc{p}"), $"edge-{p % suite.Suite.Edges.Count}");
                await new RoomService.RoomServiceClient(channels[p]).JoinAsync(
                    new JoinRequest { RoomId = room, UserId = publisher.UserId, EdgeId = publisher.EdgeId, ConnectionId = publisher.ConnectionId },
                    deadline: DateTime.UtcNow.AddSeconds(10),
                    cancellationToken: cancellationToken);
                publishers.Add(publisher);
            }

            return new RoomTraffic(room, members, channels, publishers, stopReading);
        }
        catch
        {
            await stopReading.CancelAsync();
            foreach (var member in members)
            {
                await member.Client.DisposeAsync();
            }

            channels.ForEach(c => c.Dispose());
            stopReading.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every member and every direct caller sends while <paramref name="more"/> says so (given the
    /// next message number), one message per 150 ms each; then each member's outcomes are fenced
    /// with a ping (the edge handles a connection's frames in order, so an error for a message comes
    /// before the pong).
    /// </summary>
    public Task SendAsync(Func<int, bool> more, CancellationToken cancellationToken) =>
        Task.WhenAll([.. Members.Select(m => SendAsync(m, more, cancellationToken)), .. _publishers.Select(p => PublishAsync(p, more, cancellationToken))]);

    /// <summary>
    /// One last direct message, published after every other message was acknowledged; once every
    /// member has it, a repeat of an earlier delivery would have arrived before it (one topic per edge).
    /// </summary>
    public async Task FenceAsync(CancellationToken cancellationToken)
    {
        if (_publishers.Count == 0)
        {
            await MemberFenceAsync(cancellationToken);
            return;
        }

        var fence = await PublishOneAsync(_publishers[0], "fence", cancellationToken);
        foreach (var member in Members)
        {
            await Eventually.UntilAsync(() => member.Messages(Room).Any(f => Id(f) == fence.Id), Wait, cancellationToken, $"{member.UserId} gets the fence");
        }
    }

    // Without direct callers the first member sends the fence over its socket.
    private async Task MemberFenceAsync(CancellationToken cancellationToken)
    {
        var sender = Members[0];
        var fence = new Sent($"{sender.UserId}#fence", sender.UserId, $"edge-{sender.Edge}") { Acknowledged = true };
        _sent.Enqueue(fence);
        await sender.Client.SendAsync(new { type = "message", roomId = Room, id = fence.Tag, content = new { tag = fence.Tag } }, cancellationToken);
        foreach (var member in Members.Where(m => m != sender))
        {
            await Eventually.UntilAsync(() => member.Messages(Room).Any(f => Tag(f) == fence.Tag), Wait, cancellationToken, $"{member.UserId} gets the fence");
        }
    }

    /// <summary>Waits until every member has every message of <paramref name="expected"/> that it did not send.</summary>
    public async Task UntilDeliveredAsync(IReadOnlyCollection<Sent> expected, CancellationToken cancellationToken)
    {
        foreach (var member in Members)
        {
            var wanted = expected.Where(s => s.UserId != member.UserId).ToDictionary(s => s.Tag);
            await Eventually.UntilAsync(
                () => Task.FromResult(wanted.Keys.Except(member.Messages(Room).Select(Tag).OfType<string>()).Select(t => wanted[t].ToString()).ToList()),
                missing => missing.Count == 0,
                Wait,
                cancellationToken,
                $"{member.UserId} gets every acknowledged message");
        }
    }

    /// <summary>Every stored message of the room, oldest first, read from replica <paramref name="replica"/>.</summary>
    public Task<List<RoomMessage>> HistoryAsync(int replica, CancellationToken cancellationToken) =>
        HistoryAsync(_replicas[replica], Room, cancellationToken);

    /// <summary>Every stored message of <paramref name="room"/>, oldest first, read page by page from <paramref name="replica"/>.</summary>
    public static async Task<List<RoomMessage>> HistoryAsync(RoomService.RoomServiceClient replica, string room, CancellationToken cancellationToken)
    {
        var messages = new List<RoomMessage>();
        while (true)
        {
            var page = await replica.GetHistoryAsync(
                new GetHistoryRequest { RoomId = room, AfterSeq = messages.Count == 0 ? 0 : messages[^1].Seq, Limit = 1000 },
                deadline: DateTime.UtcNow.AddSeconds(10),
                cancellationToken: cancellationToken);
            Assert.False(page.Truncated, "history kept every message of the test room");
            messages.AddRange(page.Messages);
            if (!page.More)
            {
                return messages;
            }
        }
    }

    /// <summary>
    /// Every message sent so far against what the members got: each acknowledged message is expected
    /// once by every member but its sender; an unacknowledged one that arrives counts as received.
    /// </summary>
    public DeliveryTally Tally() => DeliveryTally.Of(
        _sent.Count,
        from s in _sent where s.Acknowledged from m in Members where m.UserId != s.UserId select (m.UserId, s.Tag),
        from m in Members from f in m.Messages(Room) select (m.UserId, Tag(f) ?? "?"),
        // A repeat with one seq and id was delivered twice; with two, the room stored it twice.
        repeat => string.Join(", ", Members.Where(m => m.UserId == repeat.Receiver)
            .SelectMany(m => m.Messages(Room)).Where(f => Tag(f) == repeat.Message)
            .Select(f => $"seq {f.GetProperty("seq")} id {Id(f)}")));

    public static string? Id(JsonElement frame) => frame.GetProperty("id").GetString();

    public static string? Tag(JsonElement frame) => frame.GetProperty("content").GetProperty("tag").GetString();

    public static string? Tag(RoomMessage message) => JsonDocument.Parse(message.ContentJson).RootElement.GetProperty("tag").GetString();

    public async ValueTask DisposeAsync()
    {
        await _stopReading.CancelAsync();
        foreach (var member in Members)
        {
            await member.Client.DisposeAsync();
            await member.Reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _channels.ForEach(c => c.Dispose());
        _stopReading.Dispose();
    }

    private async Task SendAsync(Member member, Func<int, bool> more, CancellationToken cancellationToken)
    {
        var sent = new List<Sent>();
        for (var n = 1; more(n); n++)
        {
            var message = new Sent($"{member.UserId}#{n}", member.UserId, $"edge-{member.Edge}");
            sent.Add(message);
            _sent.Enqueue(message);
            await member.Client.SendAsync(new { type = "message", roomId = Room, id = message.Tag, content = new { tag = message.Tag } }, cancellationToken);
            await Task.Delay(Pause, cancellationToken);
        }

        var fence = $"{member.UserId}#pong";
        await member.Client.SendAsync(new { type = "ping", id = fence }, cancellationToken);
        await Eventually.UntilAsync(() => member.Frames.Any(f => Is(f, "pong") && Ref(f) == fence), Wait, cancellationToken, $"{member.UserId}'s messages are all handled");
        var refused = member.Frames.Where(f => Is(f, "error")).Select(Ref).ToHashSet();
        foreach (var message in sent)
        {
            message.Acknowledged = !refused.Contains(message.Tag);
        }
    }

    private async Task PublishAsync(Publisher publisher, Func<int, bool> more, CancellationToken cancellationToken)
    {
        for (var n = 1; more(n); n++)
        {
            await PublishOneAsync(publisher, n.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            await Task.Delay(Pause, cancellationToken);
        }
    }

    private async Task<Sent> PublishOneAsync(Publisher publisher, string suffix, CancellationToken cancellationToken)
    {
        var message = new Sent($"{publisher.UserId}#{suffix}", publisher.UserId, "grpc");
        _sent.Enqueue(message);
        var request = new PublishToRoomRequest
        {
            RoomId = Room,
            UserId = publisher.UserId,
            EdgeId = publisher.EdgeId,
            ConnectionId = publisher.ConnectionId,
            ContentJson = JsonSerializer.Serialize(new { tag = message.Tag }),
            IdempotencyKey = message.Tag,
        };
        var giveUp = Stopwatch.GetTimestamp() + (long)(Wait.TotalSeconds * Stopwatch.Frequency);
        // Each replica's last refusal: when every one keeps refusing, the failure names why each did.
        var refusals = new string?[_replicas.Count];
        // Messages start on alternating replicas, and each retry moves to the next one: with a turn
        // shared by every publisher alone, two publishers retrying in step each kept the same parity,
        // and one could try nothing but the killed replica until it gave up.
        var first = publisher.Index + Interlocked.Increment(ref _turn);
        for (var attempt = 0; ; attempt++)
        {
            var replica = (first + attempt) % _replicas.Count;
            try
            {
                var response = await _replicas[replica].PublishToRoomAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
                (message.Id, message.Seq, message.AcknowledgedAt, message.Acknowledged) = (response.MessageId, response.Seq, Stopwatch.GetTimestamp(), true);
                return message;
            }
            catch (RpcException ex)
            {
                refusals[replica] = $"{ex.StatusCode}: {ex.Status.Detail}";
                if (Stopwatch.GetTimestamp() >= giveUp)
                {
                    var each = string.Join("; ", refusals.Select((r, i) => $"replica {i}: {r ?? "not tried"}"));
                    throw new InvalidOperationException($"{message.Tag} was refused by every replica for {Wait.TotalSeconds:0} s ({message.Retries} retries); last refusals: {each}", ex);
                }

                message.Retries++;
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Keeps every frame <paramref name="client"/> receives in <paramref name="frames"/> until
    /// <paramref name="stop"/> or the socket closes or breaks (a killed edge); the task then completes.
    /// </summary>
    internal static async Task ReadAsync(TestClient client, ConcurrentQueue<JsonElement> frames, CancellationToken stop)
    {
        // Straight from the socket: a receive that times out would leave a second one pending.
        var buffer = new byte[64 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await client.Socket.ReceiveAsync(buffer, stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                frame.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    frames.Enqueue(JsonDocument.Parse(frame.ToArray()).RootElement);
                    frame.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Stopped, or the socket went away: the frames so far are what the member got.
        }
    }

    internal static bool Is(JsonElement frame, string type) => frame.GetProperty("type").GetString() == type;

    internal static string? Ref(JsonElement frame) => frame.TryGetProperty("ref", out var r) ? r.GetString() : null;

    /// <summary>A WebSocket member of the room.</summary>
    internal sealed class Member(string userId, int edge, TestClient client)
    {
        public string UserId { get; } = userId;

        public int Edge { get; } = edge;

        public TestClient Client { get; } = client;

        public ConcurrentQueue<JsonElement> Frames { get; } = new();

        public Task Reading { get; set; } = Task.CompletedTask;

        public IEnumerable<JsonElement> Messages(string room) =>
            Frames.Where(f => Is(f, "message") && f.GetProperty("roomId").GetString() == room);
    }

    /// <summary>A message as its sender saw it; Id and Seq are known for direct calls only.</summary>
    internal sealed class Sent(string tag, string userId, string path)
    {
        public string Tag { get; } = tag;

        public string UserId { get; } = userId;

        /// <summary>"edge-0", "edge-1" or "grpc".</summary>
        public string Path { get; } = path;

        public long SentAt { get; } = Stopwatch.GetTimestamp();

        public bool Acknowledged { get; set; }

        public long? AcknowledgedAt { get; set; }

        public string? Id { get; set; }

        public ulong? Seq { get; set; }

        /// <summary>Failed attempts before the acknowledged one (direct calls, same idempotency key).</summary>
        public int Retries { get; set; }

        public override string ToString() =>
            $"{Tag} from {UserId} via {Path} (acknowledged {Acknowledged}, id {Id ?? "?"}, seq {Seq?.ToString(CultureInfo.InvariantCulture) ?? "?"}, retries {Retries})";
    }

    private sealed record Publisher(int Index, string UserId, string EdgeId)
    {
        public string ConnectionId => "direct-" + UserId;
    }
}
