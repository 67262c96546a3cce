using Suite.LocalServers;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>
/// The conformance tests over a real redis-server, one per test so streams and groups from one test
/// never replay into another. consumerID is left out, so daprd's default (the app id) is what groups replicas.
/// </summary>
public sealed class RedisPubSubConformanceTests : PubSubConformanceTests, IAsyncLifetime
{
    private RedisServer? _redis;

    public async ValueTask InitializeAsync() => _redis = await RedisServer.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    protected override bool DeliversConcurrently => true;

    protected override string PubSubYaml(string group) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.redis
          version: v1
          metadata:
          - name: redisHost
            value: "{_redis!.ConnectionString}"
          # An app stopped mid-read can leave an entry pending on its consumer; Redis hands it out
          # again after processingTimeout (60 s by default), which these tests shorten.
          - name: processingTimeout
            value: "2s"
          - name: redeliverInterval
            value: "500"
        """;
}
