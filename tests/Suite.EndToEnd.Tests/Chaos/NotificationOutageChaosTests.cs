using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// Issue 11, chaos test (5): the notification app down for 30 s while its sidecar is up, and business
/// teams publishing all along through their own sidecar. Every valid event reaches its users once
/// after the app is back; an invalid one sits in <c>notifications.deadletter</c> with its reason;
/// nothing is parked in the sidecar's <c>deadletter.notifications</c>, whose dead letters carry no
/// reason, because the inbound retry window outlasts the outage (<see cref="NotificationOutageFixture"/>).
/// </summary>
[Collection("end-to-end")]
public sealed class NotificationOutageChaosTests(NotificationOutageFixture suite) : IClassFixture<NotificationOutageFixture>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Every_event_published_while_the_app_is_down_for_30_s_is_delivered_once_after_it_is_back_or_dead_lettered_with_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var business = await RecorderApp.StartAsync("business-" + _run, suite.ResourcesPath, ["notifications.deadletter", "deadletter.notifications"], ct);
        var users = new[] { $"nia-{_run}", $"ned-{_run}" };
        using var stopReading = new CancellationTokenSource();
        var readers = new List<Reader>();
        for (var edge = 0; edge < users.Length; edge++)
        {
            readers.Add(Reader.Start(users[edge], await suite.ConnectAsync(edge, users[edge], ct), stopReading.Token));
        }

        try
        {
            var sent = new List<string>();
            async Task PublishAsync(string phase, int n)
            {
                var id = $"{phase}-{n}-{_run}";
                sent.Add(id);
                await PublishJsonAsync(business, $$$"""{"id":"{{{id}}}","users":{"ids":["{{{users[0]}}}","{{{users[1]}}}"]},"payload":{"type":"order_update","content":{"n":{{{n}}}} } }""", ct);
            }

            for (var n = 0; n < 3; n++)
            {
                await PublishAsync("before", n);
            }

            await UntilEveryoneHasAsync(readers, sent, ct);

            await suite.Suite.Notification.KillAppAsync();
            var down = Stopwatch.GetTimestamp();
            var invalid = $"invalid-{_run}";
            await PublishJsonAsync(business, $$$"""{"id":"{{{invalid}}}","room":"r","everyone":true,"payload":{"type":"x","content":1}}""", ct);

            // One event a second for as long as the app is down.
            for (var n = 0; Stopwatch.GetElapsedTime(down) < Outage; n++)
            {
                await PublishAsync("during", n);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }

            await suite.Suite.RestartAppAsync(suite.Suite.Notification, ct);
            var downFor = Stopwatch.GetElapsedTime(down);
            for (var n = 0; n < 3; n++)
            {
                await PublishAsync("after", n);
            }

            await UntilEveryoneHasAsync(readers, sent, ct);
            var dead = await Eventually.UntilAsync(
                () => Task.FromResult(business.On("notifications.deadletter").Where(d => d.GetRawText().Contains(invalid, StringComparison.Ordinal)).ToList()),
                found => found.Count > 0,
                Wait,
                ct,
                "the invalid event is dead-lettered with its reason once the app is back");

            // A repeat would come before an event published after everything arrived (one topic per edge).
            await PublishAsync("fence", 0);
            await UntilEveryoneHasAsync(readers, sent, ct);

            var tally = DeliveryTally.Of(
                sent.Count,
                from id in sent from user in users select (user, id),
                from r in readers from id in r.EventIds select (r.UserId, id));
            var parked = business.On("deadletter.notifications").Count(d => d.GetRawText().Contains(_run, StringComparison.Ordinal));
            ChaosReport.Line(
                "notification outage",
                $"notification app down {downFor.TotalSeconds:0.0} s: {tally}; invalid event dead-lettered with reason '{dead[0].GetProperty("reason").GetString()}'; " +
                $"{parked} in deadletter.notifications");

            Assert.Empty(tally.Missing);
            Assert.Equal(0, tally.Duplicates);
            Assert.False(string.IsNullOrEmpty(dead[0].GetProperty("reason").GetString()));
            Assert.Equal(0, parked);
        }
        finally
        {
            await stopReading.CancelAsync();
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    private static async Task UntilEveryoneHasAsync(IEnumerable<Reader> readers, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        foreach (var reader in readers)
        {
            await Eventually.UntilAsync(
                () => Task.FromResult(ids.Except(reader.EventIds).ToList()),
                missing => missing.Count == 0,
                Wait,
                ct,
                $"{reader.UserId} gets every event");
        }
    }

    private static async Task PublishJsonAsync(RecorderApp business, string json, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(json);
        await business.Dapr.PublishEventAsync("pubsub", "notifications", document.RootElement, ct);
    }

    /// <summary>A connected user whose frames are read as they come, so nothing waits on a receive across the outage.</summary>
    private sealed class Reader : IAsyncDisposable
    {
        private readonly ConcurrentQueue<JsonElement> _frames = new();
        private readonly TestClient _client;
        private Task _reading = Task.CompletedTask;

        private Reader(string userId, TestClient client) => (UserId, _client) = (userId, client);

        public string UserId { get; }

        /// <summary>The id of every business event delivered, in order of arrival, repeats included.</summary>
        public IEnumerable<string> EventIds => _frames
            .Where(f => f.GetProperty("type").GetString() == "order_update")
            .Select(f => f.GetProperty("id").GetString() ?? "?");

        public static Reader Start(string userId, TestClient client, CancellationToken stop)
        {
            var reader = new Reader(userId, client);
            reader._reading = reader.ReadAsync(stop);
            return reader;
        }

        public async ValueTask DisposeAsync()
        {
            await _client.DisposeAsync();
            await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private async Task ReadAsync(CancellationToken stop)
        {
            var buffer = new byte[64 * 1024];
            using var frame = new MemoryStream();
            try
            {
                while (true)
                {
                    var result = await _client.Socket.ReceiveAsync(buffer, stop);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    frame.Write(buffer, 0, result.Count);
                    if (result.EndOfMessage)
                    {
                        _frames.Enqueue(JsonDocument.Parse(frame.ToArray()).RootElement);
                        frame.SetLength(0);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // Stopped, or the socket went away: the frames so far are what the user got.
            }
        }
    }
}

/// <summary>
/// The suite over Redis for the notification-outage test alone (it kills the notification app), with
/// an explicit inbound retry window: every sidecar retries a failed delivery once a second for 50 s,
/// longer than the 30 s outage plus the app's restart, and shorter than pubsub.redis's 60 s
/// processingTimeout, after which a pending delivery would be claimed again.
/// </summary>
public sealed class NotificationOutageFixture : SuiteFixture
{
    private const string Resiliency = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: suite
        spec:
          policies:
            retries:
              delivery:
                policy: constant
                duration: 1s
                maxRetries: 50
              broker:
                policy: constant
                duration: 200ms
                maxRetries: 3
          targets:
            components:
              pubsub:
                inbound:
                  retry: delivery
                outbound:
                  retry: broker
              statestore:
                outbound:
                  retry: broker
        """;

    private static readonly Lazy<string> Components = new(() =>
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "components-notification-outage");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Find(), "components", "redis"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(folder, "resiliency.yaml"), Resiliency);
        return folder;
    });

    protected override string ComponentsFolder => Components.Value;

    /// <summary>The app gives up on the sidecar's last attempt (1 + 50), as the README asks.</summary>
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Notification__DeliveryAttempts"] = "51",
    };

    protected override int Edges => 2;
}
