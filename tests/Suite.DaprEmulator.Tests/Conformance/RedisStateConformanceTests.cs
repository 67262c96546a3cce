using Suite.DaprEmulator.Tests.Redis;

namespace Suite.DaprEmulator.Tests.Conformance;

public sealed class RedisStateConformanceTests(RedisFixture redis) : StateConformanceTests, IClassFixture<RedisFixture>
{
    protected override string StateYaml => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: statestore
        spec:
          type: state.redis
          version: v1
          metadata:
          - name: redisHost
            value: "{redis.Server.ConnectionString}"
        """;
}
