using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.State;
using Suite.DaprEmulator.Streaming;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// The subset of daprd's gRPC API the suite uses.
/// </summary>
public sealed class DaprApi(Publisher publisher, StateApi state, SidecarInfo sidecar, SubscriptionDirectory subscriptions, StreamingSubscriptions streams) : DaprServiceBase
{
    private static readonly Empty EmptyReply = new();

    public override async Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        await publisher.PublishAsync(
            new PublishedEvent(request.PubsubName, request.Topic, request.Data.Memory, request.DataContentType, request.Metadata, TraceHeader(context, "traceparent"), TraceHeader(context, "tracestate")),
            context.CancellationToken);
        return EmptyReply;
    }

    public override Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) => BulkPublishEvent(request, context);

    // daprd's default bulk publisher sends entries in parallel and fails the whole call with Internal
    // if any entry fails (dapr-contract.md §1.3), so there is no per-entry partial success to report.
    public override async Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in request.Entries)
        {
            if (string.IsNullOrEmpty(entry.EntryId) || !ids.Add(entry.EntryId))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"entryId '{entry.EntryId}' is empty or duplicated"));
            }
        }

        var traceParent = TraceHeader(context, "traceparent");
        var traceState = TraceHeader(context, "tracestate");
        await Parallel.ForEachAsync(
            request.Entries,
            new ParallelOptions { MaxDegreeOfParallelism = 100, CancellationToken = context.CancellationToken },
            async (entry, ct) =>
            {
                var metadata = request.Metadata.Count == 0 ? (IReadOnlyDictionary<string, string>)entry.Metadata : Merge(request.Metadata, entry.Metadata);
                await publisher.PublishAsync(new PublishedEvent(request.PubsubName, request.Topic, entry.Event.Memory, entry.ContentType, metadata, traceParent, traceState), ct);
            });
        return new BulkPublishResponse();
    }

    public override async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var entry = await state.GetAsync(request.StoreName, request.Key, context.CancellationToken);
        var response = new GetStateResponse();
        if (entry is not null)
        {
            response.Data = UnsafeByteOperations.UnsafeWrap(entry.Data);
            response.Etag = entry.ETag;
            AddAll(response.Metadata, entry.Metadata);
        }

        return response;
    }

    public override async Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        // Resolve first so a bad store name fails the call instead of every item.
        state.Resolve(request.StoreName);
        var items = new BulkStateItem[request.Keys.Count];
        var parallelism = request.Parallelism > 0 ? request.Parallelism : 100;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, request.Keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = context.CancellationToken },
            async (i, ct) =>
            {
                var item = new BulkStateItem { Key = request.Keys[i] };
                try
                {
                    var entry = await state.GetAsync(request.StoreName, request.Keys[i], ct);
                    if (entry is not null)
                    {
                        item.Data = UnsafeByteOperations.UnsafeWrap(entry.Data);
                        item.Etag = entry.ETag;
                        AddAll(item.Metadata, entry.Metadata);
                    }
                }
                catch (RpcException ex)
                {
                    item.Error = ex.Status.Detail;
                }

                items[i] = item;
            });
        var response = new GetBulkStateResponse();
        response.Items.Add(items);
        return response;
    }

    public override async Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        var requests = request.States.Select(item => new StateSetRequest(
            item.Key,
            item.Value.Memory,
            item.Etag?.Value,
            (StateConcurrency)(item.Options?.Concurrency ?? 0),
            item.Metadata)).ToList();
        await state.SaveAsync(request.StoreName, requests, context.CancellationToken);
        return EmptyReply;
    }

    public override async Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        await state.DeleteAsync(
            request.StoreName,
            [new StateDeleteRequest(request.Key, request.Etag?.Value, (StateConcurrency)(request.Options?.Concurrency ?? 0), request.Metadata)],
            context.CancellationToken);
        return EmptyReply;
    }

    public override async Task<Empty> DeleteBulkState(DeleteBulkStateRequest request, ServerCallContext context)
    {
        var requests = request.States.Select(item => new StateDeleteRequest(
            item.Key, item.Etag?.Value, (StateConcurrency)(item.Options?.Concurrency ?? 0), item.Metadata)).ToList();
        await state.DeleteAsync(request.StoreName, requests, context.CancellationToken);
        return EmptyReply;
    }

    public override async Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        var operations = request.Operations.Select(operation =>
        {
            var item = operation.Request ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "transaction operation has no request"));
            var concurrency = (StateConcurrency)(item.Options?.Concurrency ?? 0);
            return operation.OperationType switch
            {
                "upsert" => (StateOperation)new StateOperation.Upsert(new StateSetRequest(item.Key, item.Value.Memory, item.Etag?.Value, concurrency, item.Metadata)),
                "delete" => new StateOperation.Delete(new StateDeleteRequest(item.Key, item.Etag?.Value, concurrency, item.Metadata)),
                _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"operation type {operation.OperationType} not supported")),
            };
        }).ToList();
        await state.ExecuteTransactionAsync(request.StoreName, operations, context.CancellationToken);
        return EmptyReply;
    }

    public override Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context)
    {
        var response = new GetMetadataResponse { Id = sidecar.AppId };
        response.RegisteredComponents.Add(sidecar.Components.Select(c => new RegisteredComponents { Name = c.Name, Type = c.Type, Version = c.Version }));
        response.Subscriptions.Add(subscriptions.Current.Select(Listed));
        response.ExtendedMetadata["emulator"] = "suite";
        return Task.FromResult(response);
    }

    public override Task SubscribeTopicEventsAlpha1(IAsyncStreamReader<SubscribeTopicEventsRequestAlpha1> requestStream, IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responseStream, ServerCallContext context) =>
        streams.RunAsync(requestStream, responseStream, context);

    private static PubsubSubscription Listed(ListedSubscription listed)
    {
        var subscription = listed.Subscription;
        var item = new PubsubSubscription
        {
            PubsubName = subscription.PubsubName,
            Topic = subscription.Topic,
            DeadLetterTopic = subscription.DeadLetterTopic ?? "",
            Rules = new PubsubSubscriptionRules(),
            Type = listed.Type switch
            {
                SubscriptionType.Declarative => PubsubSubscriptionType.Declarative,
                SubscriptionType.Programmatic => PubsubSubscriptionType.Programmatic,
                _ => PubsubSubscriptionType.Streaming,
            },
        };
        AddAll(item.Metadata, subscription.Metadata);
        item.Rules.Rules.Add(listed.Rules.Select(rule => new PubsubSubscriptionRule { Match = rule.Match, Path = rule.Path }));
        return item;
    }

    private static void AddAll(IDictionary<string, string> into, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            into[key] = value;
        }
    }

    private static string? TraceHeader(ServerCallContext context, string name) => context.RequestHeaders.GetValue(name);

    private static Dictionary<string, string> Merge(IDictionary<string, string> first, IDictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }
}
