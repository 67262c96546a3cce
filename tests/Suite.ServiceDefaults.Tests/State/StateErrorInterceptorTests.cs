using Dapr;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Suite.LocalServers;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.Tests.DaprSidecar;

namespace Suite.ServiceDefaults.Tests.State;

public sealed class StateErrorInterceptorTests
{
    private readonly StateErrorInterceptor _interceptor = new(NullLogger<StateErrorInterceptor>.Instance);

    [Fact]
    public async Task Contention_is_aborted_with_the_key_in_the_detail()
    {
        var error = await CallAsync(new StateContentionException("presence:user:alice", 100));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("presence:user:alice", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_transaction_is_aborted_with_the_store_reason()
    {
        var refused = new StateTransactionFailedException(3, new DaprException("State Transaction failed", new RpcException(new Status(StatusCode.Internal, "possible etag mismatch"))));

        var error = await CallAsync(refused);

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("3 operations", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("possible etag mismatch", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_sidecar_is_unavailable_for_reads_and_transactions_alike()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = $"http://127.0.0.1:{FreePort.Next()}";
        using var sidecar = Clients.For(dead);
        var store = new StateStore(sidecar, new StateStoreLimits());

        var read = await Assert.ThrowsAnyAsync<Exception>(() => store.ReadAsync<object>("k", ct));
        var transaction = await Assert.ThrowsAnyAsync<Exception>(() => store.TransactAsync([StateChange.Delete("k")], ct));

        // Not a refused transaction: the store never answered, so the caller should retry later, not re-read now.
        Assert.IsType<DaprException>(transaction, exactMatch: false);
        foreach (var failure in new[] { read, transaction })
        {
            var error = await CallAsync(failure);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.StartsWith("state store or pub/sub unavailable: ", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Other_failures_pass_through_unchanged()
    {
        var invalid = new RpcException(new Status(StatusCode.InvalidArgument, "user_id is required"));

        var error = await CallAsync(invalid);

        Assert.Same(invalid, error);
    }

    private async Task<RpcException> CallAsync(Exception thrown) =>
        await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => Task.FromException<string>(thrown)));
}
