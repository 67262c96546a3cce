namespace Suite.EndToEnd.Tests.Tracing;

/// <summary>
/// The suite over Redis with two edges, every service exporting its traces over OTLP/HTTP to an
/// <see cref="OtlpReceiver"/> in the test, in small batches so spans arrive within a second.
/// </summary>
public sealed class TracingSuiteFixture : SuiteFixture
{
    private Dictionary<string, string> _settings = [];

    public OtlpReceiver Receiver { get; private set; } = null!;

    protected override string ComponentsFolder => "components/redis";

    protected override int Edges => 2;

    protected override IReadOnlyDictionary<string, string> Settings => _settings;

    protected override async Task BeforeSuiteStartsAsync(CancellationToken cancellationToken)
    {
        Receiver = await OtlpReceiver.StartAsync(cancellationToken);
        Own(Receiver);
        _settings = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // The batch processor's default is 5 s between exports.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
    }
}
