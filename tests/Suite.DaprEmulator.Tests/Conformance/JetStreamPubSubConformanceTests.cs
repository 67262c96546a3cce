using Suite.LocalServers;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>
/// The conformance tests over a real nats-server with JetStream, one per test. Consumer groups are
/// durable consumers with a queue group of the same name. The dead-letter subject has a stream of
/// its own: in the source stream JetStream would drop it as a duplicate of the original (contract §5).
/// </summary>
public sealed class JetStreamPubSubConformanceTests : PubSubConformanceTests, IAsyncLifetime
{
    private NatsServer? _nats;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _nats = await NatsServer.StartAsync(ct);
        await _nats.CreateStreamAsync("SUITE", ["orders", "flaky", "fragile", "invoices"], ct);
        await _nats.CreateStreamAsync("DEADLETTERS", ["poison"], ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }
    }

    protected override string PubSubYaml(string group) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.jetstream
          version: v1
          metadata:
          - name: natsURL
            value: "{_nats!.Url}"
          - name: durableName
            value: "{group}"
          - name: queueGroupName
            value: "{group}"
          # An event left un-acked by a closed stream comes back after ackWait (30 s by default),
          # which these tests shorten.
          - name: ackWait
            value: "2s"
        """;
}
