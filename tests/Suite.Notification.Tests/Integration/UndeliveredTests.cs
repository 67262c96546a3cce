using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// The notification app down while its sidecar is up: the sidecar cannot deliver what business
/// teams publish, and after its inbound retries it must park the events in the subscription's
/// dead-letter topic rather than acknowledge them away (pubsub.redis does since Dapr 1.17).
/// A host of its own, since the app is stopped.
/// </summary>
public sealed class UndeliveredTests : IAsyncLifetime
{
    private readonly NotificationHost _host = new();

    public ValueTask InitializeAsync() => _host.InitializeAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Events_published_while_the_app_is_down_end_in_the_dead_letter_topic_as_published()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = _host.Unique("alice");
        _host.Presence.Place(alice, _host.EdgeIds[0]);
        await _host.StopAppAsync();

        var ids = Enumerable.Range(0, 3).Select(n => _host.Unique($"while-down-{n}")).ToList();
        foreach (var id in ids)
        {
            await _host.PublishAsync($$$$"""{"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"order_update","content":{"n":1}}}""", ct);
        }

        var undelivered = await Eventually.UntilAsync(
            () => Task.FromResult(_host.Recorder.All.Where(r => r.Topic == DaprNames.NotificationsUndeliveredTopic).ToList()),
            found => found.Count >= ids.Count,
            TimeSpan.FromSeconds(30),
            ct,
            $"{ids.Count} events in {DaprNames.NotificationsUndeliveredTopic}");

        // The events as the business team published them, ready to be published to `notifications` again.
        Assert.Equal(ids.Order(), undelivered.Select(r => r.Data.GetProperty("id").GetString()).Order());
        Assert.All(undelivered, r => Assert.Equal("order_update", r.Data.GetProperty("payload").GetProperty("type").GetString()));
        Assert.DoesNotContain(_host.Recorder.All, r => r.Topic == DaprNames.NotificationsDeadLetterTopic);
        Assert.All(ids, id => Assert.Empty(_host.Recorder.Deliveries(id)));
    }
}
