using Dapr;
using Dapr.Client;
using Grpc.Core;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>What every state store must do behind the emulator, driven only through the Dapr SDK.</summary>
public abstract class StateConformanceTests : IAsyncLifetime
{
    private ResourcesFolder? _resources;
    private SubscriberApp? _app;

    protected abstract string StateYaml { get; }

    private DaprClient Dapr => _app!.Dapr;

    public async ValueTask InitializeAsync()
    {
        _resources = new ResourcesFolder(("statestore.yaml", StateYaml));
        _app = await SubscriberApp.StartAsync("state" + Guid.NewGuid().ToString("N")[..8], _resources.Path, TestContext.Current.CancellationToken, subscribe: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _resources?.Dispose();
    }

    [Fact]
    public async Task Saved_state_reads_back()
    {
        var ct = TestContext.Current.CancellationToken;

        await Dapr.SaveStateAsync(SubscriberApp.Store, "user-1", new Mapping("edge-0", 2), cancellationToken: ct);

        Assert.Equal(new Mapping("edge-0", 2), await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "user-1", cancellationToken: ct));
        Assert.Null(await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "nobody", cancellationToken: ct));
    }

    [Fact]
    public async Task Save_with_a_stale_etag_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await Dapr.SaveStateAsync(SubscriberApp.Store, "user-1", new Mapping("edge-0", 1), cancellationToken: ct);
        var (_, etag) = await Dapr.GetStateAndETagAsync<Mapping>(SubscriberApp.Store, "user-1", cancellationToken: ct);

        Assert.True(await Dapr.TrySaveStateAsync(SubscriberApp.Store, "user-1", new Mapping("edge-1", 2), etag, cancellationToken: ct));
        Assert.False(await Dapr.TrySaveStateAsync(SubscriberApp.Store, "user-1", new Mapping("edge-2", 3), etag, cancellationToken: ct));
        Assert.False(await Dapr.TryDeleteStateAsync(SubscriberApp.Store, "user-1", etag, cancellationToken: ct));
        Assert.Equal(new Mapping("edge-1", 2), await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "user-1", cancellationToken: ct));
    }

    [Fact]
    public async Task State_with_a_ttl_expires()
    {
        var ct = TestContext.Current.CancellationToken;

        await Dapr.SaveStateAsync(SubscriberApp.Store, "lease", new Mapping("edge-0", 1), metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "1" }, cancellationToken: ct);
        Assert.NotNull(await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "lease", cancellationToken: ct));

        await Eventually.UntilAsync(
            () => Dapr.GetStateAsync<Mapping?>(SubscriberApp.Store, "lease", cancellationToken: ct),
            value => value is null,
            TimeSpan.FromSeconds(5),
            ct,
            "the key expires after its ttl");
    }

    [Fact]
    public async Task Bulk_get_returns_every_key_asked_for()
    {
        var ct = TestContext.Current.CancellationToken;
        await Dapr.SaveStateAsync(SubscriberApp.Store, "a", new Mapping("edge-a", 1), cancellationToken: ct);
        await Dapr.SaveStateAsync(SubscriberApp.Store, "b", new Mapping("edge-b", 1), cancellationToken: ct);

        var items = await Dapr.GetBulkStateAsync<Mapping>(SubscriberApp.Store, ["a", "b", "missing"], parallelism: 2, cancellationToken: ct);

        Assert.Equal(["a", "b", "missing"], items.Select(i => i.Key).Order());
        Assert.Equal("edge-a", items.Single(i => i.Key == "a").Value.Edge);
        Assert.Equal("edge-b", items.Single(i => i.Key == "b").Value.Edge);
        Assert.Null(items.Single(i => i.Key == "missing").Value);
    }

    [Fact]
    public async Task Transaction_applies_all_its_operations()
    {
        var ct = TestContext.Current.CancellationToken;
        await Dapr.SaveStateAsync(SubscriberApp.Store, "old", new Mapping("edge-0", 1), cancellationToken: ct);

        await Dapr.ExecuteStateTransactionAsync(
            SubscriberApp.Store,
            [
                new StateTransactionRequest("new", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Mapping("edge-1", 1), System.Text.Json.JsonSerializerOptions.Web), StateOperationType.Upsert),
                new StateTransactionRequest("old", null, StateOperationType.Delete),
            ],
            cancellationToken: ct);

        Assert.Equal(new Mapping("edge-1", 1), await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "new", cancellationToken: ct));
        Assert.Null(await Dapr.GetStateAsync<Mapping>(SubscriberApp.Store, "old", cancellationToken: ct));
    }

    [Fact]
    public async Task Unknown_store_name_is_an_invalid_argument()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<DaprException>(() => Dapr.GetStateAsync<Mapping>("no-such-store", "k", cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    public sealed record Mapping(string Edge, int Devices);
}
