using System.Diagnostics;
using Suite.Load.Clients;
using Suite.Load.Scenarios;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The drain before a window closes waits for the window's own messages, not for any frames; the
/// warm-up makes the window's scrape of every service's metrics first.
/// </summary>
public sealed class DeliveryWindowTests
{
    [Fact]
    public async Task The_warm_up_scrapes_every_metrics_endpoint_the_window_will_while_it_lasts()
    {
        var ct = TestContext.Current.CancellationToken;
        var system = new MetricsOnly([new Uri("http://127.0.0.1:1/metrics"), new Uri("http://127.0.0.1:2/metrics"), new Uri("http://127.0.0.1:3/metrics")]);
        var scraped = new List<Uri>();
        var warmUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = new HttpClient(new Recording(scraped, refuse: new Uri("http://127.0.0.1:2/metrics")));

        var running = DeliveryWindow.WhileScrapingAsync(system, http, warmUp.Task, ct);
        // Scraped again while the warm-up lasts (every 2 s), not only once.
        while (Count() < 2 * system.MetricsEndpoints.Count)
        {
            await Task.Delay(50, ct);
        }

        warmUp.SetResult(true);
        Assert.True(await running.WaitAsync(TimeSpan.FromSeconds(10), ct));

        // Each in order; one that refuses (a service without metrics now) does not stop the rest.
        Assert.Equal([.. system.MetricsEndpoints, .. system.MetricsEndpoints], scraped.Take(2 * system.MetricsEndpoints.Count));

        int Count()
        {
            lock (scraped)
            {
                return scraped.Count;
            }
        }
    }

    [Fact]
    public async Task Late_frames_from_outside_the_window_do_not_end_the_drain_early()
    {
        var ct = TestContext.Current.CancellationToken;
        var tally = new FanoutTally(expectedPerClient: 10);
        var clients = new[] { new Client(0, tally), new Client(1, tally) };

        // Two late warm-up frames (numbered outside the run) arrive; none of the two expected ones has.
        tally.OnBench(clients[0], tally.WarmupNumber(0), Stopwatch.GetTimestamp());
        tally.OnBench(clients[1], tally.WarmupNumber(0), Stopwatch.GetTimestamp());
        await using var progress = new Progress(null);
        var drain = DeliveryWindow.DrainAsync(tally, expected: 2, clients, TimeSpan.FromSeconds(30), progress, ct);
        // A window in which it must not end (it ends on its own only after a 5 s stall).
        await Task.Delay(300, ct);
        Assert.False(drain.IsCompleted, "the drain ended with neither expected message in");

        tally.OnBench(clients[0], 3, Stopwatch.GetTimestamp());
        tally.OnBench(clients[1], 3, Stopwatch.GetTimestamp());
        await drain.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    private sealed class MetricsOnly(IReadOnlyList<Uri> endpoints) : ISystemUnderTest
    {
        public string Mode => "fake";

        public IReadOnlyList<EdgeTarget> Edges => [];

        public string SigningKey => "";

        public IReadOnlyDictionary<string, string> Description => new Dictionary<string, string>();

        public IReadOnlyList<Uri> MetricsEndpoints => endpoints;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Recording(List<Uri> requests, Uri refuse) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (requests)
            {
                requests.Add(request.RequestUri!);
            }

            return request.RequestUri == refuse
                ? Task.FromException<HttpResponseMessage>(new HttpRequestException("refused"))
                : Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("suite_room_publishes_total{kind=\"message\"} 1\n") });
        }
    }

    private sealed class Client(int index, FanoutTally tally) : IGatewayClient
    {
        public int Index => index;

        public string UserId => $"u{index}";

        public string? Lost => null;

        public object? State { get; set; } = tally.NewState();

        public Task<TimeSpan> ConnectAsync(EdgeTarget edge, string token, HttpMessageInvoker invoker, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task JoinAsync(string roomId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SendToRoomAsync(string roomId, string content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SendDirectAsync(string toUserId, string content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
