using System.Text.Json;
using StackExchange.Redis;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// An event that fails on every delivery the sidecar makes (presence down for longer than the inbound
/// retries): the app gives up on the last one itself, so the event sits in
/// <c>deadletter.notifications</c> with its reason instead of as the sidecar would put it, without one.
/// </summary>
[Collection(NotificationCollection.Name)]
public sealed class GiveUpTests(NotificationHost host)
{
    [Fact]
    public async Task An_event_failing_on_every_attempt_is_put_in_the_undelivered_topic_by_the_app_with_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, host.EdgeIds[0]);
        var id = host.Unique("n");
        host.Presence.FailNext(1_000);
        try
        {
            await host.PublishAsync($$$$"""{"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"t","content":1}}""", ct);

            // Read from the broker's stream itself: a subscriber's CloudEvents middleware drops extension attributes.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(host.Redis.ConnectionString);
            var deadLetters = await Eventually.UntilAsync(
                async () => (await redis.GetDatabase().StreamRangeAsync(DaprNames.NotificationsUndeliveredTopic))
                    .Select(e => JsonDocument.Parse((string)e["data"]!).RootElement)
                    .Where(e => e.GetProperty("data").GetProperty("id").GetString() == id)
                    .ToList(),
                found => found.Count > 0,
                TimeSpan.FromSeconds(15),
                ct,
                $"{id} in {DaprNames.NotificationsUndeliveredTopic}");

            var deadLetter = Assert.Single(deadLetters);
            Assert.StartsWith("unavailable: ", deadLetter.GetProperty("deadletterreason").GetString());
            Assert.Equal("t", deadLetter.GetProperty("data").GetProperty("payload").GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(deadLetter.GetProperty("id").GetString()));
            Assert.Empty(host.Recorder.Deliveries(id));
        }
        finally
        {
            host.Presence.FailNext(0);
        }
    }
}
