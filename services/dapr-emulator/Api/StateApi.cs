using Grpc.Core;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.State;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// The state operations with daprd's key prefixing, validation and error-to-status mapping
/// (dapr-contract.md §1.3): a wrong ETag is Aborted so <c>TrySaveStateAsync</c> returns false,
/// except inside a transaction, where daprd reports every failure as Internal.
/// </summary>
public sealed class StateApi(ComponentRegistry components)
{
    public StateStoreEntry Resolve(string storeName)
    {
        if (components.StateStores.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "state store is not configured"));
        }

        return components.StateStores.TryGetValue(storeName, out var entry)
            ? entry
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"state store {storeName} is not found"));
    }

    public static string Key(StateStoreEntry entry, string key)
    {
        if (key.Contains(StateStoreEntry.Separator, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"input key/keyPrefix '{key}' can't contain '{StateStoreEntry.Separator}'"));
        }

        return entry.KeyPrefix + key;
    }

    public async Task<StateEntry?> GetAsync(string storeName, string key, CancellationToken cancellationToken)
    {
        var entry = Resolve(storeName);
        var storeKey = Key(entry, key);
        try
        {
            return await entry.Store.GetAsync(storeKey, cancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"fail to get {key} from state store {storeName}: {ex.Message}"));
        }
    }

    public async Task SaveAsync(string storeName, IReadOnlyList<StateSetRequest> requests, CancellationToken cancellationToken)
    {
        var entry = Resolve(storeName);
        foreach (var request in requests)
        {
            if (string.IsNullOrEmpty(request.Key))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "failed saving state: key is empty"));
            }
        }

        await Task.WhenAll(requests.Select(r => Guard(
            () => entry.Store.SetAsync(r with { Key = Key(entry, r.Key) }, cancellationToken),
            $"failed saving state in state store {storeName}")));
    }

    public async Task DeleteAsync(string storeName, IReadOnlyList<StateDeleteRequest> requests, CancellationToken cancellationToken)
    {
        var entry = Resolve(storeName);
        foreach (var request in requests)
        {
            var storeKey = Key(entry, request.Key);
            await Guard(() => entry.Store.DeleteAsync(request with { Key = storeKey }, cancellationToken), $"failed deleting state with key {request.Key}");
        }
    }

    public async Task ExecuteTransactionAsync(string storeName, IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        var entry = Resolve(storeName);
        var prefixed = operations.Select(operation => operation switch
        {
            StateOperation.Upsert upsert => (StateOperation)new StateOperation.Upsert(upsert.Request with { Key = Key(entry, upsert.Request.Key) }),
            StateOperation.Delete delete => new StateOperation.Delete(delete.Request with { Key = Key(entry, delete.Request.Key) }),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "unknown transaction operation")),
        }).ToList();
        try
        {
            await entry.Store.ExecuteTransactionAsync(prefixed, cancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"error while executing state transaction: {ex.Message}"));
        }
    }

    private static async Task Guard(Func<Task> operation, string what)
    {
        try
        {
            await operation();
        }
        catch (StateETagMismatchException ex)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"{what}: {ex.Message}"));
        }
        catch (StateETagInvalidException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what}: {ex.Message}"));
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what}: {ex.Message}"));
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"{what}: {ex.Message}"));
        }
    }
}
