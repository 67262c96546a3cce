using BenchmarkDotNet.Attributes;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Suite.DaprEmulator.CloudEvents;

namespace Suite.Benchmarks.Emulator;

// What an edge's sidecar spends turning one raw-payload event (a direct message's EdgeDelivery,
// ~300 bytes) into the frame of a streaming subscription: through the envelope's JSON, as every
// event went before (write it, parse it, base64 both ways, the extensions through protobuf's JSON
// parser), and from the envelope's fields, as it goes now.
[MemoryDiagnoser]
public class RawPayloadEventBenchmarks
{
    private readonly RawPayloadEnvelope _envelope = RawPayloadEnvelope.New("edge.edge-1", "pubsub", Enumerable.Range(0, 300).Select(i => (byte)i).ToArray());

    [Benchmark(Baseline = true)]
    public TopicEventRequest Through_json_before() => TopicEventRequests.From(_envelope.ToJson(), _envelope.PubsubName, _envelope.Topic, "/");

    [Benchmark]
    public TopicEventRequest From_fields() => TopicEventRequests.FromRawPayload(_envelope, "/");
}
