using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// One soak run: the users and their connections, the three traffic streams, the churn, the memory
/// samples, and at the end the tally (<see cref="SoakTally"/>). Traffic, churn and bursts stop at
/// the end of the duration; reconnects, retries and acks go on through the drain, until every
/// accepted message has reached its recipients or the drain timeout passed.
/// </summary>
internal sealed class SoakRun : IAsyncDisposable
{
    private const int MaxRoomAttempts = 6;
    private const int MaxPublishAttempts = 3;
    private const int SendsInFlight = 256;
    private const int AckBatch = 100;
    private const int FirstConnectAttempts = 10;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(6);

    // A sender that lost its connection sends again what it sent this recently (same frame ids, so
    // the room stores each once): a message written just before the loss may not have reached the edge.
    private static readonly TimeSpan RecentWindow = TimeSpan.FromSeconds(10);

    private readonly ISystemUnderTest _system;
    private readonly LoadSettings _settings;
    private readonly Uri _publishUri;
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];
    private readonly HttpMessageInvoker _invoker;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stopAll = new();
    private readonly List<SoakUser> _users = [];
    private readonly List<SoakUser> _senders = [];
    private readonly List<SoakUser> _receivers = [];
    private readonly List<SoakUser> _pairs = [];
    private readonly Dictionary<string, SentLog> _roomLogs = [];
    private readonly SentLog _directLog = new();
    private readonly SentLog _noticeLog = new();
    private readonly ConcurrentDictionary<(int Room, long Number), int> _roomAttempts = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentDictionary<string, int> _unplanned = new();
    private readonly ConcurrentDictionary<string, int> _connectFailures = new();
    private readonly ConcurrentDictionary<string, int> _publishFailures = new();
    private readonly List<Task> _background = [];
    private long _started;
    private int _pendingRetries;
    private long _roomRetries;
    private long _resentAfterReconnect;
    private long _directSkipped;
    private long _acksSent;
    private long _plannedReconnects;
    private long _bursts;
    private long _burstClients;
    private long _connects;
    private long _joinFailures;

    public SoakRun(ISystemUnderTest system, LoadSettings settings, Uri dapr)
    {
        _system = system;
        _settings = settings;
        _publishUri = new Uri(dapr, "v1.0/publish/pubsub/notifications");
        _invoker = new HttpMessageInvoker(new LoopbackSources(settings.SourceAddresses).CreateHandler());
        var members = Math.Max(2, settings.Members);
        for (var r = 0; r < settings.Rooms; r++)
        {
            _roomLogs[RoomId(r)] = new SentLog();
            for (var m = 0; m < members; m++)
            {
                var user = Add(m == 0 ? SoakRole.Sender : SoakRole.Receiver, RoomId(r));
                (m == 0 ? _senders : _receivers).Add(user);
            }
        }

        for (var p = 0; p < settings.Pairs * 2; p++)
        {
            _pairs.Add(Add(SoakRole.Pair, null));
        }
    }

    private TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public async Task<JsonObject> RunAsync(Progress progress, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopAll.Token);
        var all = linked.Token;
        await ConnectEveryoneAsync(progress, all);

        var sampler = new MemorySampler(_system.ServerProcesses(), MetricsByPid(), _http, _settings.CollectBeforeSample);
        var duration = _settings.Duration;
        var warmup = _settings.WarmupDuration;
        using var traffic = CancellationTokenSource.CreateLinkedTokenSource(all);
        _started = Stopwatch.GetTimestamp();
        var last = default(MemorySample);
        progress.Phase(
            $"soak: {duration.TotalMinutes:0.#} min (warm-up {warmup.TotalMinutes:0.#} min), {_users.Count} clients",
            () => Status(last));
        Background(AckLoopAsync(all));
        Background(WatchdogLoopAsync(all));
        var churn = ChurnLoopAsync(traffic.Token);
        var bursts = BurstLoopAsync(traffic.Token);
        var samples = SampleLoopAsync(sampler, s => last = s, all);
        await Task.WhenAll(RoomTrafficAsync(traffic.Token), DirectTrafficAsync(traffic.Token), NoticeTrafficAsync(traffic.Token));
        await samples;
        await traffic.CancelAsync();
        await Task.WhenAll(Quietly(churn), Quietly(bursts));

        var outstanding = "";
        progress.Phase("drain: everyone back, every accepted message delivered", () => $"{Status(last)}; {outstanding}");
        var drained = await DrainAsync(s => outstanding = s, all);
        var tally = SoakTally.Count(_receivers, _roomLogs, _directLog, DirectRecipient, _noticeLog, NoticeRecipient, _users);
        progress.Phase("closing");
        await _stopAll.CancelAsync();
        await Quietly(Task.WhenAll(Snapshot(_background)));
        return Figures(tally, sampler, drained);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopAll.CancelAsync();
        await Parallel.ForEachAsync(_users, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (user, _) =>
        {
            if (user.Retire().Old is { } client)
            {
                await client.DisposeAsync();
            }
        });
        _invoker.Dispose();
        _http.Dispose();
        _stopAll.Dispose();
    }

    private SoakUser Add(SoakRole role, string? room)
    {
        var index = _users.Count;
        var user = new SoakUser(index, $"soak-{_run}-{index.ToString(CultureInfo.InvariantCulture)}", role, room);
        _users.Add(user);
        return user;
    }

    private string RoomId(int room) => $"soak-{_run}-room-{room.ToString(CultureInfo.InvariantCulture)}";

    private async Task ConnectEveryoneAsync(Progress progress, CancellationToken cancellationToken)
    {
        var connected = 0;
        progress.Phase($"connecting and joining {_users.Count} clients", () => $"{Volatile.Read(ref connected)}/{_users.Count} ready");
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            _users.Select((u, i) => (User: u, Due: TimeSpan.FromSeconds((double)i / _settings.ConnectRate))),
            new ParallelOptions { MaxDegreeOfParallelism = _settings.ConnectConcurrency, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var wait = item.Due - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                await BringBackAsync(item.User, since: null, ct, FirstConnectAttempts);
                Interlocked.Increment(ref connected);
            });
    }

    /// <summary>
    /// Connects the user (again) and, for a room member, joins its room: a receiver with
    /// <paramref name="since"/> when it has one, a sender afresh, then sending again its recent
    /// messages. Tries until it succeeds or the run ends.
    /// </summary>
    private async Task BringBackAsync(SoakUser user, (ulong Seq, string? Epoch)? since, CancellationToken cancellationToken, int maxAttempts = int.MaxValue)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (attempt == maxAttempts)
            {
                throw new InvalidOperationException($"{user.UserId} could not connect and join in {maxAttempts} attempts: {string.Join("; ", _connectFailures.Select(f => $"{f.Value} x {f.Key}"))}");
            }

            if (attempt > 0)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }

            if (!await ConnectAsync(user, cancellationToken))
            {
                continue;
            }

            if (user.RoomId is null || await JoinAsync(user, user.Role == SoakRole.Receiver ? since : null, cancellationToken))
            {
                if (user.Role == SoakRole.Sender && user.Generation > 0)
                {
                    await ResendRecentAsync(user, cancellationToken);
                }

                return;
            }

            Interlocked.Increment(ref _joinFailures);
            var (old, again) = user.Retire();
            since = again ?? since;
            if (old is not null)
            {
                await old.DisposeAsync();
            }
        }
    }

    private async Task<bool> ConnectAsync(SoakUser user, CancellationToken cancellationToken)
    {
        var generation = user.Generation;
        var client = new ProtocolV1Client(user.Index, user.UserId, new SoakObserver(user, generation, OnError));
        var edge = _system.Edges[(user.Index + generation) % _system.Edges.Count];
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await client.ConnectAsync(edge, DevToken.Create(_system.SigningKey, user.UserId, TokenLifetime), _invoker, timeout.Token);
            user.Attach(generation, client);
            Interlocked.Increment(ref _connects);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Count(_connectFailures, ex.GetBaseException().Message);
            await client.DisposeAsync();
            return false;
        }
    }

    private async Task<bool> JoinAsync(SoakUser user, (ulong Seq, string? Epoch)? since, CancellationToken cancellationToken)
    {
        var reference = "j" + user.Generation.ToString(CultureInfo.InvariantCulture);
        var answer = user.AnswerTo(reference);
        try
        {
            var frame = since is { Epoch: { } epoch } s
                ? JsonSerializer.Serialize(new { type = "join", roomId = user.RoomId, id = reference, since = new { seq = s.Seq, epoch } })
                : JsonSerializer.Serialize(new { type = "join", roomId = user.RoomId, id = reference });
            if (user.Client is not { } client)
            {
                return false;
            }

            await client.SendJsonAsync(frame, cancellationToken);
            return (await answer.WaitAsync(JoinTimeout, cancellationToken)).Type == "joined";
        }
        catch (Exception ex) when (ex is TimeoutException or WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            user.ForgetAnswer(reference);
        }
    }

    /// <summary>The user leaves (closing its socket, or dropping it when <paramref name="abort"/>), stays away, and comes back.</summary>
    private async Task ReconnectAsync(SoakUser user, TimeSpan away, bool abort, CancellationToken cancellationToken)
    {
        if (!user.TryBeginReconnect())
        {
            return;
        }

        try
        {
            var (old, since) = user.Retire();
            if (old is not null)
            {
                if (abort)
                {
                    old.Abort();
                }

                await old.DisposeAsync();
            }

            if (away > TimeSpan.Zero)
            {
                await Task.Delay(away, cancellationToken);
            }

            await BringBackAsync(user, since, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            user.EndReconnect();
        }
    }

    /// <summary>One receiver after another leaves for <c>--churn-away</c>, every <c>--churn-interval</c>; every other one drops its socket without a close.</summary>
    private async Task ChurnLoopAsync(CancellationToken cancellationToken)
    {
        var order = _receivers.OrderBy(_ => Random.Shared.Next()).ToList();
        using var timer = new PeriodicTimer(_settings.ChurnInterval);
        for (var i = 0; order.Count > 0 && await timer.WaitForNextTickAsync(cancellationToken); i++)
        {
            var user = order[i % order.Count];
            if (!user.Reconnecting)
            {
                Interlocked.Increment(ref _plannedReconnects);
                Background(ReconnectAsync(user, _settings.ChurnAway, abort: i % 2 == 1, _stopAll.Token));
            }
        }
    }

    /// <summary>Every <c>--burst-interval</c> (the first at half of it), <c>--burst-share</c> of the receivers drop at once and come straight back.</summary>
    private async Task BurstLoopAsync(CancellationToken cancellationToken)
    {
        for (var at = _settings.BurstInterval / 2; at < _settings.Duration; at += _settings.BurstInterval)
        {
            if (at - Elapsed is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var chosen = _receivers.Where(u => !u.Reconnecting).OrderBy(_ => Random.Shared.Next())
                .Take((int)Math.Ceiling(_receivers.Count * _settings.BurstShare)).ToList();
            Interlocked.Increment(ref _bursts);
            Interlocked.Add(ref _burstClients, chosen.Count);
            foreach (var user in chosen)
            {
                Background(ReconnectAsync(user, TimeSpan.Zero, abort: true, _stopAll.Token));
            }
        }
    }

    /// <summary>A connection the server closed, or that broke, without the soak asking: counted by reason, and the user comes back at once.</summary>
    private async Task WatchdogLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var user in _users)
            {
                if (!user.Reconnecting && user.Client is { Lost: { } reason })
                {
                    Count(_unplanned, reason);
                    Background(ReconnectAsync(user, TimeSpan.Zero, abort: true, cancellationToken));
                }
            }
        }
    }

    /// <summary>Acknowledges the business events each user was shown, in batches, as a client would.</summary>
    private async Task AckLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var user in _users)
            {
                if (user.PendingAcks.IsEmpty || user.Client is not { } client)
                {
                    continue;
                }

                var ids = new List<string>();
                while (ids.Count < AckBatch && user.PendingAcks.TryDequeue(out var id))
                {
                    ids.Add(id);
                }

                try
                {
                    await client.SendJsonAsync(JsonSerializer.Serialize(new { type = "ack", ids }), cancellationToken);
                    Interlocked.Add(ref _acksSent, ids.Count);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
                {
                    // Not acked: the items stay in the inbox and come again on the next connection (same ids).
                }
            }
        }
    }

    private async Task SampleLoopAsync(MemorySampler sampler, Action<MemorySample> latest, CancellationToken cancellationToken)
    {
        foreach (var at in MemorySampler.Schedule(_settings.Duration, _settings.WarmupDuration, _settings.SampleInterval))
        {
            if (at - Elapsed is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            latest(await sampler.SampleAsync(at, cancellationToken));
        }
    }

    /// <summary>Each room's sender at <c>--sender-rate</c>: message k goes to room k mod R as that room's number k / R, its frame id "m" + number.</summary>
    private async Task RoomTrafficAsync(CancellationToken cancellationToken)
    {
        var rooms = _senders.Count;
        var count = (int)(rooms * _settings.SenderRate * _settings.Duration.TotalSeconds);
        await PacedSends.RunAsync(count, rooms * _settings.SenderRate, SendsInFlight, async (k, scheduledAt, ct) =>
        {
            var (room, number) = (k % rooms, k / rooms);
            _roomLogs[RoomId(room)].MarkSent(number);
            var sender = _senders[room];
            sender.RecentSends.Enqueue((number, Stopwatch.GetTimestamp()));
            while (sender.RecentSends.TryPeek(out var oldest) && Stopwatch.GetElapsedTime(oldest.At) > RecentWindow)
            {
                sender.RecentSends.TryDequeue(out _);
            }

            if (!await SendRoomAsync(room, number, BenchMarker.Create(number, scheduledAt), ct))
            {
                RetryRoom(room, number);
            }
        }, issued: null, cancellationToken);
    }

    private async Task<bool> SendRoomAsync(int room, long number, string content, CancellationToken cancellationToken)
    {
        if (_senders[room].Client is not { } client)
        {
            return false;
        }

        try
        {
            var frame = JsonSerializer.Serialize(new { type = "message", roomId = RoomId(room), id = RoomFrameId(number), content });
            await client.SendJsonAsync(frame, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends a room message again with its frame id (the room's idempotency key, so it is stored once
    /// however often it is sent) after a refusal or a failed send; refused for good after
    /// <see cref="MaxRoomAttempts"/>.
    /// </summary>
    private void RetryRoom(int room, long number)
    {
        if (_roomAttempts.AddOrUpdate((room, number), 2, (_, n) => n + 1) > MaxRoomAttempts)
        {
            _roomLogs[RoomId(room)].MarkRefused(number);
            return;
        }

        Interlocked.Increment(ref _roomRetries);
        Interlocked.Increment(ref _pendingRetries);
        Background(Task.Run(async () =>
        {
            try
            {
                await Task.Delay(RetryDelay, _stopAll.Token);
                if (!await SendRoomAsync(room, number, BenchMarker.Create(number, Stopwatch.GetTimestamp()), _stopAll.Token))
                {
                    RetryRoom(room, number);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref _pendingRetries);
            }
        }));
    }

    private async Task ResendRecentAsync(SoakUser sender, CancellationToken cancellationToken)
    {
        var room = _senders.IndexOf(sender);
        foreach (var (number, at) in sender.RecentSends.ToArray())
        {
            if (Stopwatch.GetElapsedTime(at) <= RecentWindow && await SendRoomAsync(room, number, BenchMarker.Create(number, Stopwatch.GetTimestamp()), cancellationToken))
            {
                Interlocked.Increment(ref _resentAfterReconnect);
            }
        }
    }

    private void OnError(SoakUser user, SoakFrame frame)
    {
        Count(_errors, frame.Code ?? "no code");
        if (frame.Ref is not { Length: > 1 } reference || !long.TryParse(reference.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return;
        }

        if (user.Role == SoakRole.Sender && reference[0] == 'm')
        {
            RetryRoom(_senders.IndexOf(user), number);
        }
        else if (user.Role == SoakRole.Pair && reference[0] == 'd')
        {
            // Not sent again: a direct message has no idempotency key, so a retry could be shown twice.
            _directLog.MarkRefused(number);
        }
    }

    /// <summary>Direct message k: pair k mod P, the direction alternating each round; skipped while either end is away.</summary>
    private async Task DirectTrafficAsync(CancellationToken cancellationToken)
    {
        if (_pairs.Count == 0)
        {
            return;
        }

        var count = (int)(_settings.Rate * _settings.Duration.TotalSeconds);
        await PacedSends.RunAsync(count, _settings.Rate, SendsInFlight, async (k, scheduledAt, ct) =>
        {
            var (from, to) = DirectRoute(k);
            if (from.Reconnecting || to.Reconnecting || from.Client is not { } client || to.Client is null)
            {
                Interlocked.Increment(ref _directSkipped);
                return;
            }

            _directLog.MarkSent(k);
            try
            {
                var frame = JsonSerializer.Serialize(new { type = "direct", to = to.UserId, id = "d" + k.ToString(CultureInfo.InvariantCulture), content = BenchMarker.Create(k, scheduledAt) });
                await client.SendJsonAsync(frame, ct);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                _directLog.MarkRefused(k);
            }
        }, issued: null, cancellationToken);
    }

    private (SoakUser From, SoakUser To) DirectRoute(long k)
    {
        var pair = (int)(k % (_pairs.Count / 2));
        var (a, b) = (_pairs[2 * pair], _pairs[(2 * pair) + 1]);
        return k / (_pairs.Count / 2) % 2 == 0 ? (a, b) : (b, a);
    }

    private SoakUser DirectRecipient(long k) => DirectRoute(k).To;

    /// <summary>Business event k, acknowledged, to user k mod N (a receiver may well be away: it gets it from its inbox when it is back).</summary>
    private async Task NoticeTrafficAsync(CancellationToken cancellationToken)
    {
        var count = (int)(_settings.NotifyRate * _settings.Duration.TotalSeconds);
        await PacedSends.RunAsync(count, _settings.NotifyRate, 64, async (k, scheduledAt, ct) =>
        {
            _noticeLog.MarkSent(k);
            var body = JsonSerializer.Serialize(new
            {
                id = $"soak-{_run}-n{k.ToString(CultureInfo.InvariantCulture)}",
                users = new { ids = new[] { NoticeRecipient(k).UserId } },
                ack = true,
                payload = new { type = SoakNotices.Type, content = BenchMarker.Create(k, scheduledAt) },
            });
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var response = await _http.PostAsync(_publishUri, content, ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new HttpRequestException($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                    }

                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
                {
                    // The same id again: the notification service publishes one id once.
                    if (attempt == MaxPublishAttempts)
                    {
                        Count(_publishFailures, ex.Message);
                        _noticeLog.MarkRefused(k);
                        return;
                    }

                    await Task.Delay(RetryDelay, ct);
                }
            }
        }, issued: null, cancellationToken);
    }

    private SoakUser NoticeRecipient(long k) => _users[(int)(k % _users.Count)];

    /// <summary>Waits until everyone is back and every accepted message reached its recipients, at most <c>--drain-timeout</c>.</summary>
    private async Task<bool> DrainAsync(Action<string> outstanding, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var tally = SoakTally.Count(_receivers, _roomLogs, _directLog, DirectRecipient, _noticeLog, NoticeRecipient, _users);
            var away = _users.Count(u => u.Reconnecting || u.Client is not { Lost: null });
            var retries = Volatile.Read(ref _pendingRetries);
            outstanding($"owed: room {tally.Room.Lost}, direct {tally.Direct.Lost}, events {tally.Notices.Lost}; {away} away, {retries} retries pending");
            if (retries == 0 && away == 0 && tally.Lost == 0)
            {
                return true;
            }

            await Task.Delay(500, cancellationToken);
        }

        return false;
    }

    /// <summary>Each local server process's /metrics: an edge's by its pid, a service's by its role's name (launcher) or the embedded suite's edge.</summary>
    private Dictionary<int, Uri> MetricsByPid()
    {
        var byPid = new Dictionary<int, Uri>();
        foreach (var edge in _system.Edges.Where(e => e.ProcessId is not null))
        {
            byPid.TryAdd(edge.ProcessId!.Value, new Uri(edge.HttpUri, "metrics"));
        }

        foreach (var process in _system.ServerProcesses())
        {
            if (_system.Description.TryGetValue("metrics:" + process.Role, out var metrics))
            {
                byPid.TryAdd(process.Pid, new Uri(metrics));
            }
        }

        return byPid;
    }

    private string Status(MemorySample? last)
    {
        var sent = _roomLogs.Values.Sum(l => l.Sent);
        var rss = last is null ? "" : $", server RSS {Output.MarkdownReport.Bytes(last.ByPid.Values.Sum(m => m.RssBytes ?? 0))} at {last.At.TotalMinutes:0.#} min";
        return $"{Elapsed.TotalMinutes:0.0} min: room {sent} sent, direct {_directLog.Sent}, events {_noticeLog.Sent}; reconnects {Volatile.Read(ref _plannedReconnects)} planned, {_unplanned.Values.Sum()} unplanned{rss}";
    }

    private JsonObject Figures(SoakTally tally, MemorySampler sampler, bool drained)
    {
        var brokers = _system.Description.TryGetValue("brokerPids", out var pids)
            ? pids.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet()
            : [];
        var samples = sampler.Samples;
        var growth = sampler.Processes.Select(p => MemoryGrowth.Of(p, judged: !brokers.Contains(p.Pid), samples, _settings.WarmupDuration)).ToList();
        var (pass, reasons) = SoakVerdict.Judge(growth, tally.Delivered, tally.Lost, tally.Duplicates, _settings.RssGrowthLimitPercent);
        if (!drained)
        {
            reasons = [.. reasons, $"the drain did not finish within {_settings.DrainTimeout.TotalSeconds:0} s"];
            pass = false;
        }

        var figures = tally.ToJson();
        figures["durationSeconds"] = _settings.Duration.TotalSeconds;
        figures["warmupSeconds"] = _settings.WarmupDuration.TotalSeconds;
        figures["sampleIntervalSeconds"] = _settings.SampleInterval.TotalSeconds;
        figures["clients"] = _users.Count;
        figures["rooms"] = _senders.Count;
        figures["receiversPerRoom"] = _receivers.Count / Math.Max(1, _senders.Count);
        figures["pairs"] = _pairs.Count / 2;
        figures["verdict"] = new JsonObject
        {
            ["pass"] = pass,
            ["reasons"] = new JsonArray([.. reasons.Select(r => (JsonNode)JsonValue.Create(r))]),
            ["rssGrowthLimitPercent"] = _settings.RssGrowthLimitPercent,
            ["maxJudgedRssGrowthPercent"] = growth.Where(g => g.Judged).Max(g => g.GrowthPercent),
            ["drained"] = drained,
        };
        figures["roomSender"] = new JsonObject
        {
            ["retries"] = Interlocked.Read(ref _roomRetries),
            ["resentAfterReconnect"] = Interlocked.Read(ref _resentAfterReconnect),
        };
        figures["directSkippedWhileAway"] = Interlocked.Read(ref _directSkipped);
        figures["publishFailures"] = ConnectScenario.ToJson(_publishFailures);
        figures["acksSent"] = Interlocked.Read(ref _acksSent);
        figures["churn"] = new JsonObject
        {
            ["planned"] = Interlocked.Read(ref _plannedReconnects),
            ["bursts"] = Interlocked.Read(ref _bursts),
            ["burstClients"] = Interlocked.Read(ref _burstClients),
            ["connects"] = Interlocked.Read(ref _connects),
            ["joinFailures"] = Interlocked.Read(ref _joinFailures),
            ["connectFailures"] = ConnectScenario.ToJson(_connectFailures),
            ["unplanned"] = ConnectScenario.ToJson(_unplanned),
        };
        figures["errors"] = ConnectScenario.ToJson(_errors);
        figures["memory"] = new JsonObject
        {
            ["processes"] = new JsonArray([.. growth.Select(g => (JsonNode)JsonSerializer.SerializeToNode(g, SoakTally.Json)!)]),
            ["samples"] = new JsonArray([.. samples.Select(s => (JsonNode)new JsonObject
            {
                ["atSeconds"] = Math.Round(s.At.TotalSeconds, 1),
                ["processes"] = new JsonObject(sampler.Processes.Select(p => KeyValuePair.Create(p.Role, (JsonNode?)new JsonObject
                {
                    ["rssBytes"] = s.ByPid.GetValueOrDefault(p.Pid).RssBytes,
                    ["gcHeapBytes"] = s.ByPid.GetValueOrDefault(p.Pid).GcHeapBytes,
                    ["rssAnonymousBytes"] = s.ByPid.GetValueOrDefault(p.Pid).AnonymousBytes,
                    ["rssFileBytes"] = s.ByPid.GetValueOrDefault(p.Pid).FileBytes,
                    ["threads"] = s.ByPid.GetValueOrDefault(p.Pid).Threads,
                }))),
            })]),
        };
        return figures;
    }

    private void Background(Task task)
    {
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    private List<Task> Snapshot(List<Task> tasks)
    {
        lock (tasks)
        {
            return [.. tasks];
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Count(ConcurrentDictionary<string, int> counts, string reason) =>
        counts.AddOrUpdate(reason.Length > 120 ? reason[..120] : reason, 1, (_, n) => n + 1);

    private static string RoomFrameId(long number) => "m" + number.ToString(CultureInfo.InvariantCulture);
}
