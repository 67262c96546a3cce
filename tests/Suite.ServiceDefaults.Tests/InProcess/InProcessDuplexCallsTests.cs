using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>
/// Duplex-streaming calls to a server in this process go straight to its method (no server listens
/// on the address: a call that went to the network would fail UNAVAILABLE), and they begin, carry
/// messages and end as they do over the network.
/// </summary>
public sealed class InProcessDuplexCallsTests
{
    private const string Subscribe = "/dapr.proto.runtime.v1.Dapr/SubscribeTopicEventsAlpha1";

    [Fact]
    public async Task Messages_go_both_ways_in_order_with_the_callers_headers_and_credentials_and_the_call_ends_ok()
    {
        var ct = TestContext.Current.CancellationToken;
        ServerCallContext? seen = null;
        await using var target = Target(async (requests, responses, context) =>
        {
            seen = context;
            await context.WriteResponseHeadersAsync(new Metadata { { "served-by", "memory" } });
            while (await requests.MoveNext(context.CancellationToken))
            {
                var topic = TestMessages.Read<SubscribeTopicEventsRequestAlpha1>(requests.Current).InitialRequest.Topic;
                await responses.WriteAsync(TestMessages.Of(new SubscribeTopicEventsResponseAlpha1 { EventMessage = new TopicEventRequest { Topic = topic } }));
            }
        });

        using var call = target.Client.SubscribeTopicEventsAlpha1(new Metadata { { "dapr-api-token", "t" } }, cancellationToken: ct);
        foreach (var topic in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(Initial(topic), ct);
        }

        await call.RequestStream.CompleteAsync();
        var headers = await call.ResponseHeadersAsync;
        var topics = new List<string>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
        {
            topics.Add(response.EventMessage.Topic);
        }

        Assert.Equal(["a", "b", "c"], topics);
        Assert.Equal("memory", headers.GetValue("served-by"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("t", seen!.RequestHeaders.GetValue("dapr-api-token"));
        Assert.Equal("Bearer service-token", seen.RequestHeaders.GetValue("authorization"));
        Assert.Equal(Subscribe, seen.Method);
    }

    [Fact]
    public async Task The_methods_status_follows_the_messages_it_wrote_and_any_other_failure_is_unknown()
    {
        var ct = TestContext.Current.CancellationToken;
        var fail = new Exception();
        await using var target = Target(async (_, responses, _) =>
        {
            await responses.WriteAsync(TestMessages.Of(new SubscribeTopicEventsResponseAlpha1()));
            throw fail;
        });

        fail = new RpcException(new Status(StatusCode.FailedPrecondition, "no such topic"));
        var (refusedAfter, refused) = await ReadToTheEndAsync(target, ct);
        fail = new InvalidOperationException("broken");
        var (brokenAfter, broken) = await ReadToTheEndAsync(target, ct);

        Assert.Equal((1, StatusCode.FailedPrecondition, "no such topic"), (refusedAfter, refused.StatusCode, refused.Status.Detail));
        Assert.Equal((1, StatusCode.Unknown), (brokenAfter, broken.StatusCode));
        Assert.Contains("InvalidOperationException: broken", broken.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_call_cancels_the_method_and_a_passed_deadline_ends_it_as_deadline_exceeded()
    {
        var ct = TestContext.Current.CancellationToken;
        var methodEnded = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = Target(async (requests, _, context) =>
        {
            try
            {
                await requests.MoveNext(CancellationToken.None);
                await requests.MoveNext(CancellationToken.None);
            }
            catch (Exception ex)
            {
                methodEnded.TrySetResult(ex);
                throw;
            }
        });

        var disposed = target.Client.SubscribeTopicEventsAlpha1(cancellationToken: ct);
        await disposed.RequestStream.WriteAsync(Initial("a"), ct);
        disposed.Dispose();
        var methodSaw = await methodEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        using var late = target.Client.SubscribeTopicEventsAlpha1(deadline: DateTime.UtcNow.AddMilliseconds(50), cancellationToken: ct);
        var timedOut = await Assert.ThrowsAsync<RpcException>(() => late.ResponseStream.MoveNext(ct));

        Assert.IsType<IOException>(methodSaw);
        Assert.Equal(StatusCode.Cancelled, disposed.GetStatus().StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => disposed.RequestStream.WriteAsync(Initial("b"), ct));
        Assert.Equal(StatusCode.DeadlineExceeded, timedOut.StatusCode);
    }

    [Fact]
    public async Task A_message_over_the_callers_receive_limit_ends_the_call_as_resource_exhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        var methodCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = Target(async (_, responses, context) =>
        {
            context.CancellationToken.Register(methodCancelled.SetResult);
            await responses.WriteAsync(TestMessages.Of(new SubscribeTopicEventsResponseAlpha1 { EventMessage = new TopicEventRequest { Data = ByteString.CopyFrom(new byte[2048]) } }));
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }, maxReceiveMessageSize: 1024);

        using var call = target.Client.SubscribeTopicEventsAlpha1(cancellationToken: ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        await methodCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    [Fact]
    public async Task A_method_not_served_in_process_goes_down_the_channel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var target = Target((_, _, _) => Task.CompletedTask, method: "/dapr.proto.runtime.v1.Dapr/SomethingElse");

        using var call = target.Client.SubscribeTopicEventsAlpha1(cancellationToken: ct);
        var failed = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
    }

    [Fact]
    public async Task A_stream_to_a_reserved_address_nothing_serves_yet_is_refused_at_once()
    {
        // Down the channel it would wait in the balancer for the server, then run as an HTTP request.
        var ct = TestContext.Current.CancellationToken;
        await using var target = InProcessTarget.Serving(_ => new CancellationTokenSource(), new GrpcChannelOptions());

        using var call = target.Client.SubscribeTopicEventsAlpha1(cancellationToken: ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));
        var written = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(Initial("a"), ct));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("Nothing in this process serves", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, written.StatusCode);
    }

    private static SubscribeTopicEventsRequestAlpha1 Initial(string topic) =>
        new() { InitialRequest = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = "pubsub", Topic = topic } };

    // How many messages the caller read before the call failed, and how it failed.
    private static async Task<(int Read, RpcException Failure)> ReadToTheEndAsync(InProcessTarget target, CancellationToken ct)
    {
        using var call = target.Client.SubscribeTopicEventsAlpha1(cancellationToken: ct);
        var read = 0;
        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                read++;
            }
        });
        return (read, failure);
    }

    private static InProcessTarget Target(InProcessDuplexCall call, int? maxReceiveMessageSize = 4 * 1024 * 1024, string method = Subscribe) =>
        InProcessTarget.Serving(
            address => InProcessEndpoints.AttachDuplex(address, new Dictionary<string, InProcessDuplexCall> { [method] = call }),
            new GrpcChannelOptions { MaxReceiveMessageSize = maxReceiveMessageSize },
            headers =>
            {
                headers.Add("authorization", "Bearer service-token");
                return Task.CompletedTask;
            });
}
