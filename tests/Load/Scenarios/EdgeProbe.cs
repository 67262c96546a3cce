using System.Text.Json.Nodes;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>What can be read from one edge at a moment: RSS and CPU from /proc, GC heap and connection gauges from its /metrics.</summary>
internal sealed class EdgeProbe(EdgeTarget edge, HttpClient http)
{
    // OpenTelemetry.Instrumentation.Runtime on .NET 9+ forwards the runtime's own "System.Runtime"
    // meter; older names are kept as fallbacks.
    internal static readonly string[] HeapNames = ["dotnet_gc_last_collection_heap_size_bytes", "process_runtime_dotnet_gc_heap_size_bytes"];
    internal static readonly string[] CommittedNames = ["dotnet_gc_last_collection_memory_committed_size_bytes", "process_runtime_dotnet_gc_committed_memory_size_bytes"];
    // The free space between live objects after the last GC (all generations): part of the heap size.
    internal static readonly string[] FragmentationNames = ["dotnet_gc_last_collection_heap_fragmentation_size_bytes"];
    private static readonly string[] CollectionNames = ["dotnet_gc_collections_total", "process_runtime_dotnet_gc_collections_count_total"];
    private static readonly string[] ConnectionNames = ["suite_edge_connections", "suite_edge_connections_active"];

    public EdgeTarget Edge => edge;

    /// <summary>Induces a full GC in the edge (when it is a local .NET process) and waits for it to show in the collection count.</summary>
    public async Task<bool> ForceGcAsync(CancellationToken cancellationToken)
    {
        if (edge.ProcessId is not { } pid)
        {
            return false;
        }

        var before = (await ScrapeAsync(cancellationToken))?.First(CollectionNames)?.Value;
        if (!await GcTrigger.CollectAsync(pid, cancellationToken))
        {
            return false;
        }

        var after = (await ScrapeAsync(cancellationToken))?.First(CollectionNames)?.Value;
        return before is null || after is null || after > before;
    }

    public async Task<Sample> SampleAsync(CancellationToken cancellationToken)
    {
        var scrape = await ScrapeAsync(cancellationToken);
        return new Sample(
            edge.ProcessId is { } pid ? ProcessStats.ResidentBytes(pid) : null,
            edge.ProcessId is { } p ? ProcessStats.CpuTime(p) : null,
            scrape?.First(HeapNames),
            scrape?.First(CommittedNames)?.Value,
            scrape?.First(ConnectionNames)?.Value,
            scrape?.First(FragmentationNames)?.Value);
    }

    public static async Task<bool> ForceGcAllAsync(IReadOnlyList<EdgeProbe> probes, CancellationToken cancellationToken)
    {
        var all = true;
        foreach (var probe in probes)
        {
            all &= await probe.ForceGcAsync(cancellationToken);
        }

        return all;
    }

    public static async Task<List<Sample>> SampleAllAsync(IReadOnlyList<EdgeProbe> probes, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        foreach (var probe in probes)
        {
            samples.Add(await probe.SampleAsync(cancellationToken));
        }

        return samples;
    }

    /// <summary>Several edges add up; a figure missing on any edge is missing in the total.</summary>
    public static Sample Total(IReadOnlyList<Sample> samples) => new(
        samples.All(x => x.RssBytes is not null) ? samples.Sum(x => x.RssBytes!.Value) : null,
        samples.All(x => x.Cpu is not null) ? TimeSpan.FromTicks(samples.Sum(x => x.Cpu!.Value.Ticks)) : null,
        samples.All(x => x.Heap is not null) ? (samples[0].Heap!.Value.Name, samples.Sum(x => x.Heap!.Value.Value)) : null,
        samples.All(x => x.CommittedBytes is not null) ? samples.Sum(x => x.CommittedBytes!.Value) : null,
        samples.All(x => x.Connections is not null) ? samples.Sum(x => x.Connections!.Value) : null,
        samples.All(x => x.FragmentationBytes is not null) ? samples.Sum(x => x.FragmentationBytes!.Value) : null);

    public Task<PrometheusScrape?> ScrapeAsync(CancellationToken cancellationToken) => TryScrapeAsync(new Uri(edge.HttpUri, "metrics"), cancellationToken);

    private async Task<PrometheusScrape?> TryScrapeAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            return await PrometheusScrape.FromAsync(http, uri, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    internal sealed record Sample(long? RssBytes, TimeSpan? Cpu, (string Name, double Value)? Heap, double? CommittedBytes, double? Connections, double? FragmentationBytes = null)
    {
        public JsonObject ToJson() => new()
        {
            ["rssBytes"] = RssBytes,
            ["gcHeapBytes"] = Heap?.Value,
            ["gcHeapMetric"] = Heap?.Name,
            ["gcCommittedBytes"] = CommittedBytes,
            ["gcFragmentationBytes"] = FragmentationBytes,
            ["edgeConnectionsGauge"] = Connections,
            ["cpuSeconds"] = Cpu?.TotalSeconds,
        };
    }
}
