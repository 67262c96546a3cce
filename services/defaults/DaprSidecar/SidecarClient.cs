using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dapr;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using Grpc.Net.Client;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.ServiceDefaults.DaprSidecar;

/// <summary>
/// The sidecar calls of the hot paths (state reads, saves, deletes and transactions; publishes), made
/// with the generated Dapr gRPC client over one channel per service. Dapr.Client's DaprClient makes
/// the same calls, but builds its call options per call (its User-Agent read from assembly attributes
/// by reflection, trace headers), which profiled as a visible share of a busy room's CPU.
/// </summary>
/// <remarks>
/// Failures look exactly as they did through DaprClient, because callers and <see cref="State.StateErrorInterceptor"/>
/// tell them apart by these types: an <see cref="RpcException"/> from the sidecar becomes a
/// <see cref="DaprException"/> with it as the inner exception and the SDK's message, except that a
/// conditional save or delete (an ETag given) answered with ABORTED returns false (an ETag mismatch,
/// dapr-contract.md §1.3). Cancellation surfaces as the channel's options say (the SDK's default:
/// <see cref="OperationCanceledException"/>).
/// </remarks>
public sealed class SidecarClient : IDisposable
{
    private const string StateFailed = "State operation failed: the Dapr endpoint indicated a failure. See InnerException for details.";
    private const string PublishFailed = "Publish operation failed: the Dapr endpoint indicated a failure. See InnerException for details.";

    // DaprClient's serialiser settings (web defaults); a JsonElement is written as it is either way.
    private static readonly JsonTypeInfo<JsonElement> JsonElementInfo =
        (JsonTypeInfo<JsonElement>)new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }.GetTypeInfo(typeof(JsonElement));

    private readonly GrpcChannel _channel;
    private readonly DaprGrpc.DaprClient _client;

    // One instance for every call: gRPC only reads call headers.
    private readonly Metadata? _headers;

    /// <param name="invoker">How calls go out (default: straight down <paramref name="channel"/>).</param>
    public SidecarClient(GrpcChannel channel, string? apiToken, CallInvoker? invoker = null)
    {
        _channel = channel;
        _client = new DaprGrpc.DaprClient(invoker ?? channel.CreateCallInvoker());
        _headers = ApiTokenHeaders(apiToken);
    }

    /// <summary>The call headers that carry the sidecar's API token (<c>dapr-api-token</c>), none without one.</summary>
    internal static Metadata? ApiTokenHeaders(string? apiToken) =>
        string.IsNullOrWhiteSpace(apiToken) ? null : new Metadata { { AppApiToken.Header, apiToken } };

    /// <summary>The stored bytes (empty when the key is missing) and the etag ("" when missing).</summary>
    public async Task<GetStateResponse> GetStateAsync(string store, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetStateAsync(new GetStateRequest { StoreName = store, Key = key }, Options(cancellationToken));
        }
        catch (RpcException ex)
        {
            throw new DaprException(StateFailed, ex);
        }
    }

    public async Task<RepeatedField<BulkStateItem>> GetBulkStateAsync(string store, IEnumerable<string> keys, int parallelism, CancellationToken cancellationToken)
    {
        var request = new GetBulkStateRequest { StoreName = store, Parallelism = parallelism, Keys = { keys } };
        try
        {
            return (await _client.GetBulkStateAsync(request, Options(cancellationToken))).Items;
        }
        catch (RpcException ex)
        {
            throw new DaprException(StateFailed, ex);
        }
    }

    /// <summary>Saves one item; false when it carried an etag and the store refused it as a mismatch.</summary>
    public async Task<bool> SaveStateAsync(string store, StateItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _client.SaveStateAsync(new SaveStateRequest { StoreName = store, States = { item } }, Options(cancellationToken));
            return true;
        }
        catch (RpcException ex) when (item.Etag is not null && ex.StatusCode == StatusCode.Aborted)
        {
            return false;
        }
        catch (RpcException ex)
        {
            throw new DaprException(StateFailed, ex);
        }
    }

    /// <summary>Deletes one key; false when the request carried an etag and the store refused it as a mismatch.</summary>
    public async Task<bool> DeleteStateAsync(DeleteStateRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteStateAsync(request, Options(cancellationToken));
            return true;
        }
        catch (RpcException ex) when (request.Etag is not null && ex.StatusCode == StatusCode.Aborted)
        {
            return false;
        }
        catch (RpcException ex)
        {
            throw new DaprException(StateFailed, ex);
        }
    }

    /// <summary>Every failure, an ETag mismatch included (daprd answers INTERNAL there), is a <see cref="DaprException"/>.</summary>
    public async Task ExecuteStateTransactionAsync(ExecuteStateTransactionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _client.ExecuteStateTransactionAsync(request, Options(cancellationToken));
        }
        catch (RpcException ex)
        {
            throw new DaprException(StateFailed, ex);
        }
    }

    public async Task PublishAsync(PublishEventRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PublishEventAsync(request, Options(cancellationToken));
        }
        catch (RpcException ex)
        {
            throw new DaprException(PublishFailed, ex);
        }
    }

    /// <summary>Publishes <paramref name="data"/> as it is, with the given content type and request metadata.</summary>
    public Task PublishAsync(string pubsub, string topic, ByteString data, string contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var request = new PublishEventRequest { PubsubName = pubsub, Topic = topic, Data = data, DataContentType = contentType };
        foreach (var (name, value) in metadata ?? ReadOnlyDictionary<string, string>.Empty)
        {
            request.Metadata.Add(name, value);
        }

        return PublishAsync(request, cancellationToken);
    }

    /// <summary>Publishes <paramref name="data"/> as application/json, byte for byte as DaprClient.PublishEventAsync wrote it.</summary>
    public Task PublishJsonAsync(string pubsub, string topic, JsonElement data, CancellationToken cancellationToken) =>
        PublishAsync(pubsub, topic, UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(data, JsonElementInfo)), "application/json", null, cancellationToken);

    /// <summary>
    /// Publishes the entries in one call (stable BulkPublishEvent, or Alpha1 on a sidecar without it).
    /// A failed entry fails the call: daprd answers INTERNAL for any entry the component refused.
    /// </summary>
    public async Task BulkPublishAsync(BulkPublishRequest request, CancellationToken cancellationToken)
    {
        BulkPublishResponse response;
        try
        {
            try
            {
                response = await _client.BulkPublishEventAsync(request, Options(cancellationToken));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
            {
                // A sidecar older than the stable method (dapr-contract.md §1): the SDK falls back the same way.
#pragma warning disable CS0612
                response = await _client.BulkPublishEventAlpha1Async(request, Options(cancellationToken));
#pragma warning restore CS0612
            }
        }
        catch (RpcException ex)
        {
            throw new DaprException(PublishFailed, ex);
        }

        if (response.FailedEntries.Count > 0)
        {
            throw new DaprException($"{PublishFailed} {response.FailedEntries.Count} of {request.Entries.Count} entries failed: {response.FailedEntries[0].Error}");
        }
    }

    public void Dispose() => _channel.Dispose();

    private CallOptions Options(CancellationToken cancellationToken) => new(headers: _headers, cancellationToken: cancellationToken);
}
