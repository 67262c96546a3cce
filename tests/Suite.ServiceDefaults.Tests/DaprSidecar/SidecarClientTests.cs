using Dapr;
using Dapr.Client;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Suite.LocalServers;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.Testing;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.ServiceDefaults.Tests.DaprSidecar;

/// <summary>
/// The sidecar-call layer against an emulator sidecar over in-memory components, with the SDK's
/// DaprClient on the same sidecar as the reference for how failures must look.
/// </summary>
public sealed class SidecarClientTests : IAsyncLifetime
{
    private const string Token = "sidecar-token";

    private ResourcesFolder? _resources;
    private Sidecar? _sidecar;
    private SidecarClient? _client;
    private DaprClient? _sdk;

    private Sidecar Host => _sidecar!;

    private SidecarClient Client => _client!;

    private DaprClient Sdk => _sdk!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _resources = new ResourcesFolder(
            ("statestore.yaml", ComponentYaml.Of(DaprNames.StateStore, "state.in-memory")),
            ("pubsub.yaml", ComponentYaml.Of(DaprNames.PubSub, "pubsub.in-memory")));
        _sidecar = await Sidecar.StartAsync(Sidecar.OptionsFor("sidecar-" + Guid.NewGuid().ToString("N")[..8], null, _resources.Path) with { ApiToken = Token }, ct);
        _client = Clients.For(Host.GrpcEndpoint, apiToken: Token);
        _sdk = new DaprClientBuilder().UseGrpcEndpoint(Host.GrpcEndpoint).UseHttpEndpoint(Host.HttpEndpoint).UseDaprApiToken(Token).Build();
        await Eventually.UntilAsync(() => Sdk.CheckOutboundHealthAsync(ct), up => up, TimeSpan.FromSeconds(15), ct, "the sidecar's components are up");
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _sdk?.Dispose();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        _resources?.Dispose();
    }

    [Fact]
    public async Task Transaction_with_current_etags_lands_and_one_with_a_stale_etag_fails_like_the_sdk()
    {
        var ct = TestContext.Current.CancellationToken;
        await Client.ExecuteStateTransactionAsync(Transaction(Upsert("a", "1"), Upsert("b", "1")), ct);
        var etag = (await Client.GetStateAsync(DaprNames.StateStore, "a", ct)).Etag;

        await Client.ExecuteStateTransactionAsync(Transaction(Upsert("a", "2", etag), Delete("b")), ct);
        var error = await Assert.ThrowsAsync<DaprException>(() => Client.ExecuteStateTransactionAsync(Transaction(Upsert("a", "3", etag)), ct));
        var sdkError = await Assert.ThrowsAsync<DaprException>(() => Sdk.ExecuteStateTransactionAsync(
            DaprNames.StateStore, [new StateTransactionRequest("a", "3"u8.ToArray(), StateOperationType.Upsert, etag)], cancellationToken: ct));

        Assert.Equal("2", (await Client.GetStateAsync(DaprNames.StateStore, "a", ct)).Data.ToStringUtf8());
        Assert.True((await Client.GetStateAsync(DaprNames.StateStore, "b", ct)).Data.IsEmpty);
        AssertSameFailure(sdkError, error, StatusCode.Internal);
    }

    [Fact]
    public async Task Conditional_save_and_delete_with_a_stale_etag_return_false_and_change_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await Client.SaveStateAsync(DaprNames.StateStore, Item("k", "1"), ct));
        var stale = (await Client.GetStateAsync(DaprNames.StateStore, "k", ct)).Etag;
        Assert.True(await Client.SaveStateAsync(DaprNames.StateStore, Item("k", "2", stale), ct));

        Assert.False(await Client.SaveStateAsync(DaprNames.StateStore, Item("k", "3", stale), ct));
        Assert.False(await Client.DeleteStateAsync(new DeleteStateRequest { StoreName = DaprNames.StateStore, Key = "k", Etag = new Etag { Value = stale } }, ct));
        Assert.False(await Sdk.TrySaveStateAsync(DaprNames.StateStore, "k", 3, stale, cancellationToken: ct));

        Assert.Equal("2", (await Client.GetStateAsync(DaprNames.StateStore, "k", ct)).Data.ToStringUtf8());
    }

    [Fact]
    public async Task Raw_publish_reaches_a_subscriber_byte_for_byte_as_its_metadata_asks()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "raw-" + Guid.NewGuid().ToString("N")[..8];
        var payload = new byte[] { 0x0A, 0x03, 0x65, 0x2D, 0x31, 0x00, 0xFF };
        var raw = new Dictionary<string, string> { ["rawPayload"] = "true" };
        using var subscription = new DaprGrpc.DaprClient(Grpc.Net.Client.GrpcChannel.ForAddress(Host.GrpcEndpoint))
            .SubscribeTopicEventsAlpha1(new Metadata { { "dapr-api-token", Token } }, cancellationToken: ct);
        var initial = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = DaprNames.PubSub, Topic = topic, Metadata = { raw } };
        await subscription.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { InitialRequest = initial }, ct);
        Assert.True(await subscription.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.NotNull(subscription.ResponseStream.Current.InitialResponse);

        await Client.PublishAsync(DaprNames.PubSub, topic, ByteString.CopyFrom(payload), "application/octet-stream", raw, ct);

        Assert.True(await subscription.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(payload, subscription.ResponseStream.Current.EventMessage.Data.ToByteArray());
    }

    [Fact]
    public async Task Unknown_store_and_unknown_pubsub_fail_as_they_did_through_the_sdk()
    {
        var ct = TestContext.Current.CancellationToken;

        var read = await Assert.ThrowsAsync<DaprException>(() => Client.GetStateAsync("nostore", "k", ct));
        var sdkRead = await Assert.ThrowsAsync<DaprException>(() => Sdk.GetStateAndETagAsync<string>("nostore", "k", cancellationToken: ct));
        var save = await Assert.ThrowsAsync<DaprException>(() => Client.SaveStateAsync("nostore", Item("k", "1", "etag"), ct));
        var sdkSave = await Assert.ThrowsAsync<DaprException>(() => Sdk.TrySaveStateAsync("nostore", "k", 1, "etag", cancellationToken: ct));
        var publish = await Assert.ThrowsAsync<DaprException>(() => Client.PublishAsync("nopubsub", "t", ByteString.CopyFromUtf8("{}"), "application/json", null, ct));
        var sdkPublish = await Assert.ThrowsAsync<DaprException>(() => Sdk.PublishByteEventAsync("nopubsub", "t", "{}"u8.ToArray(), cancellationToken: ct));

        AssertSameFailure(sdkRead, read, StatusCode.InvalidArgument);
        AssertSameFailure(sdkSave, save, StatusCode.InvalidArgument);
        AssertSameFailure(sdkPublish, publish, StatusCode.InvalidArgument);
    }

    [Fact]
    public async Task A_sidecar_that_is_down_fails_as_unavailable_like_the_sdk()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = $"http://127.0.0.1:{FreePort.Next()}";
        using var client = Clients.For(dead);
        using var sdk = new DaprClientBuilder().UseGrpcEndpoint(dead).UseHttpEndpoint(dead).Build();

        var transaction = await Assert.ThrowsAsync<DaprException>(() => client.ExecuteStateTransactionAsync(Transaction(Delete("k")), ct));
        var sdkTransaction = await Assert.ThrowsAsync<DaprException>(() => sdk.ExecuteStateTransactionAsync(
            DaprNames.StateStore, [new StateTransactionRequest("k", null, StateOperationType.Delete)], cancellationToken: ct));
        var publish = await Assert.ThrowsAsync<DaprException>(() => client.PublishAsync(DaprNames.PubSub, "t", ByteString.Empty, "application/json", null, ct));

        AssertSameFailure(sdkTransaction, transaction, StatusCode.Unavailable);
        Assert.Equal(StatusCode.Unavailable, Assert.IsType<RpcException>(publish.InnerException).StatusCode);
    }

    [Fact]
    public async Task The_api_token_is_sent_when_configured_and_its_absence_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = Clients.For(Host.GrpcEndpoint);

        var refused = await Assert.ThrowsAsync<DaprException>(() => anonymous.GetStateAsync(DaprNames.StateStore, "k", ct));

        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(refused.InnerException).StatusCode);
        Assert.True((await Client.GetStateAsync(DaprNames.StateStore, "k", ct)).Data.IsEmpty);
    }

    private static void AssertSameFailure(DaprException expected, DaprException actual, StatusCode status)
    {
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(status, Assert.IsType<RpcException>(expected.InnerException).StatusCode);
        Assert.Equal(status, Assert.IsType<RpcException>(actual.InnerException).StatusCode);
    }

    private static ExecuteStateTransactionRequest Transaction(params TransactionalStateOperation[] operations) =>
        new() { StoreName = DaprNames.StateStore, Operations = { operations } };

    private static TransactionalStateOperation Upsert(string key, string value, string? etag = null) =>
        new() { OperationType = "upsert", Request = Item(key, value, etag) };

    private static TransactionalStateOperation Delete(string key) =>
        new() { OperationType = "delete", Request = new StateItem { Key = key } };

    private static StateItem Item(string key, string value, string? etag = null)
    {
        var item = new StateItem { Key = key, Value = ByteString.CopyFromUtf8(value) };
        if (etag is not null)
        {
            item.Etag = new Etag { Value = etag };
        }

        return item;
    }
}
