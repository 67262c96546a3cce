using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.PubSub.Redis;
using Suite.DaprEmulator.Tests.Redis;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.PubSub;

// Each test owns its server because it kills it.
public sealed class RedisPubSubRestartTests
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    [Fact]
    public async Task Delivery_resumes_after_redis_restarts_empty()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisServer.StartAsync(ct);
        var definition = new ComponentDefinition(
            "redis", "pubsub.redis", "v1", new ComponentMetadata([new("redisHost", server.ConnectionString)], "c.yaml"), [], "c.yaml");
        await using var pubsub = new RedisPubSub(definition, RedisFixture.Context());
        await pubsub.InitAsync(ct);
        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription("orders", NoMetadata),
            async (message, token) => await received.Writer.WriteAsync(message, token),
            ct);
        await pubsub.PublishAsync("orders", "before"u8.ToArray(), NoMetadata, ct);
        await received.Reader.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);

        await server.RestartAsync(ct);

        // Publishes fail or wait while the multiplexer reconnects; keep trying within the bound.
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await pubsub.PublishAsync("orders", "after"u8.ToArray(), NoMetadata, ct);
                    return true;
                }
                catch (RedisException)
                {
                    return false;
                }
            },
            published => published,
            TimeSpan.FromSeconds(15),
            ct,
            "publishing works again once reconnected");
        var message = await received.Reader.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), ct);

        Assert.Equal("after", Encoding.UTF8.GetString(message.Data.Span));
    }
}
