using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>
/// Unary calls to a server in this process go straight to its method (no server listens on the
/// address in these tests: a call that went to the network would fail UNAVAILABLE), and their
/// outcomes look as they do over the network.
/// </summary>
public sealed class InProcessUnaryCallsTests
{
    private const string GetState = "/dapr.proto.runtime.v1.Dapr/GetState";

    [Fact]
    public async Task A_call_reaches_the_method_with_its_request_headers_and_deadline()
    {
        var ct = TestContext.Current.CancellationToken;
        ServerCallContext? seen = null;
        await using var target = Target(GetState, (request, context) =>
        {
            seen = context;
            var key = TestMessages.Read<GetStateRequest>(request).Key;
            return Task.FromResult(TestMessages.Of(new GetStateResponse { Etag = "etag-of-" + key }));
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);

        var response = await target.Client.GetStateAsync(new GetStateRequest { StoreName = "s", Key = "k" }, new Metadata { { "dapr-api-token", "t" } }, deadline, ct);

        Assert.Equal("etag-of-k", response.Etag);
        Assert.Equal("t", seen!.RequestHeaders.GetValue("dapr-api-token"));
        Assert.Equal(deadline, seen.Deadline);
        Assert.Equal(GetState, seen.Method);
    }

    [Fact]
    public async Task A_method_not_served_in_process_goes_down_the_channel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var target = Target(GetState, (_, _) => Task.FromResult(TestMessages.Of(new GetStateResponse())));

        var failed = await Assert.ThrowsAsync<RpcException>(() => target.Client.SaveStateAsync(new SaveStateRequest { StoreName = "s" }, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
    }

    [Fact]
    public async Task The_methods_status_reaches_the_caller_and_any_other_failure_is_unknown()
    {
        var ct = TestContext.Current.CancellationToken;
        var fail = new Exception();
        await using var target = Target(GetState, (_, _) => throw fail);

        fail = new RpcException(new Status(StatusCode.FailedPrecondition, "no such store"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: ct).ResponseAsync);
        fail = new InvalidOperationException("broken");
        var broken = await Assert.ThrowsAsync<RpcException>(() => target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: ct).ResponseAsync);

        Assert.Equal((StatusCode.FailedPrecondition, "no such store"), (refused.StatusCode, refused.Status.Detail));
        Assert.Equal(StatusCode.Unknown, broken.StatusCode);
        Assert.Contains("InvalidOperationException: broken", broken.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_call_reports_its_status_and_empty_response_headers_once_it_ended()
    {
        var ct = TestContext.Current.CancellationToken;
        var fail = false;
        await using var target = Target(GetState, (_, _) => fail
            ? throw new RpcException(new Status(StatusCode.NotFound, "no such key"))
            : Task.FromResult(TestMessages.Of(new GetStateResponse())));

        using var succeeded = target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: ct);
        await succeeded.ResponseAsync;
        fail = true;
        using var failed = target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: ct);
        await Assert.ThrowsAsync<RpcException>(() => failed.ResponseAsync);

        Assert.Equal(StatusCode.OK, succeeded.GetStatus().StatusCode);
        Assert.Empty(await succeeded.ResponseHeadersAsync);
        Assert.Empty(succeeded.GetTrailers());
        Assert.Equal((StatusCode.NotFound, "no such key"), (failed.GetStatus().StatusCode, failed.GetStatus().Detail));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_cancelled_call_ends_as_the_channel_options_say_and_a_passed_deadline_as_deadline_exceeded(bool throwOperationCanceled)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var target = Target(GetState, async (_, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return TestMessages.Of(new GetStateResponse());
        }, throwOperationCanceled);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var cancelled = target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: cancel.Token).ResponseAsync;
        await cancel.CancelAsync();
        var late = await Assert.ThrowsAsync<RpcException>(() => target.Client.GetStateAsync(new GetStateRequest(), deadline: DateTime.UtcNow.AddMilliseconds(50), cancellationToken: ct).ResponseAsync);

        if (throwOperationCanceled)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }
        else
        {
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => cancelled)).StatusCode);
        }

        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
    }

    [Fact]
    public async Task A_response_over_the_channels_receive_limit_is_refused_as_on_the_network()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var target = Target(GetState, (_, _) => Task.FromResult(TestMessages.Of(new GetStateResponse { Data = ByteString.CopyFrom(new byte[2048]) })), maxReceiveMessageSize: 1024);

        var refused = await Assert.ThrowsAsync<RpcException>(() => target.Client.GetStateAsync(new GetStateRequest(), cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }

    private static InProcessTarget Target(string method, InProcessUnaryCall call, bool throwOperationCanceled = true, int? maxReceiveMessageSize = 4 * 1024 * 1024) =>
        InProcessTarget.Serving(
            address => InProcessEndpoints.AttachUnary(address, new Dictionary<string, InProcessUnaryCall> { [method] = call }),
            new GrpcChannelOptions { ThrowOperationCanceledOnCancellation = throwOperationCanceled, MaxReceiveMessageSize = maxReceiveMessageSize });
}
