using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;
using AckStatus = Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types.TopicEventResponseStatus;

namespace Suite.Edge.Delivery;

/// <summary>
/// This edge's two topics over daprd streaming subscriptions (<c>SubscribeTopicEventsAlpha1</c>),
/// one stream per topic so urgent deliveries never wait behind a normal backlog. Each event is
/// acked as soon as it is queued for local connections: daprd has no ack timeout, and an un-acked
/// event holds a broker worker shared by every topic of the component.
/// </summary>
public sealed class DeliveryStreams(
    DeliveryDispatcher dispatcher,
    IOptions<EdgeOptions> options,
    IConfiguration configuration,
    EdgeMetrics metrics,
    ILogger<DeliveryStreams> logger) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    // daprd answers only once the component subscription runs; a sidecar that never does would
    // otherwise leave this topic unconsumed with no retry.
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(15);

    private int _open;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(options.Value.DeliverySubscription != DeliverySubscription.Streaming || Volatile.Read(ref _open) == 2
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("delivery streams not open"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.DeliverySubscription != DeliverySubscription.Streaming)
        {
            return;
        }

        // The SDK's own resolution (configuration, then environment), so these streams reach the
        // same sidecar as the SidecarClient used for publishing.
        using var sidecar = new SidecarStreams(configuration);
        var edgeId = options.Value.EdgeId;
        await Task.WhenAll(
            RunAsync(new Lane(sidecar.Client, sidecar.Headers, sidecar.Endpoint, DaprNames.EdgeTopic(edgeId), Urgent: false), stoppingToken),
            RunAsync(new Lane(sidecar.Client, sidecar.Headers, sidecar.Endpoint, DaprNames.EdgeUrgentTopic(edgeId), Urgent: true), stoppingToken));
    }

    private async Task RunAsync(Lane lane, CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            var opened = false;
            Exception? failure = null;
            try
            {
                await ConsumeAsync(lane, () => { opened = true; retry = FirstRetry; Interlocked.Increment(ref _open); }, stoppingToken);
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                failure = ex;
            }
            finally
            {
                if (opened)
                {
                    Interlocked.Decrement(ref _open);
                }
            }

            // Jittered so edges that lose their streams together (a broker or node restart) do not
            // reconnect in step.
            var delay = retry * (0.5 + (Random.Shared.NextDouble() / 2));
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            // A sidecar that is still starting fails the first attempts; only a failure after the
            // stream ran, or one that lasts until the longest backoff, is worth a warning.
            if (failure is null)
            {
                DeliveryStreamsLog.Closed(logger, lane.Topic, delay);
            }
            else if (opened || retry >= MaxRetry)
            {
                DeliveryStreamsLog.Failed(logger, lane.Topic, delay, failure);
            }

            // The real clock rather than the injected TimeProvider: reconnecting waits on the sidecar,
            // and a clock held still in tests must not hold deliveries back.
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Events are handled one at a time, so order per topic is kept. Their acks go out through one
    // writer of their own (a gRPC request stream takes one writer at a time) instead of being awaited
    // here: an ack write is a hop to the HTTP/2 connection's write loop and back, and awaiting it put
    // that round of wake-ups between every two events of the topic (docs/benchmarks.md, direct
    // messages, 2026-12-06). The sidecar keeps at most its component's concurrency of events
    // un-acked per stream, so the acks waiting here stay as few.
    private async Task ConsumeAsync(Lane lane, Action opened, CancellationToken stoppingToken)
    {
        using var call = lane.Client.SubscribeTopicEventsAlpha1(lane.Headers, cancellationToken: stoppingToken);
        var initial = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = DaprNames.PubSub, Topic = lane.Topic };
        // rawPayload on the subscription too: data is then the published bytes, not a CloudEvent.
        initial.Metadata.Add(EdgeDeliveryCodec.PublishMetadata());
        await call.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { InitialRequest = initial }, stoppingToken);
        using (var opening = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            opening.CancelAfter(OpenTimeout);
            if (!await call.ResponseStream.MoveNext(opening.Token))
            {
                return;
            }
        }

        if (call.ResponseStream.Current.InitialResponse is null)
        {
            throw new InvalidOperationException("the sidecar sent an event before initial_response");
        }

        opened();
        var kind = KindTag(lane.Urgent);
        metrics.DeliveryStreamConnects.Add(1, kind);
        DeliveryStreamsLog.Opened(logger, lane.Topic, lane.Endpoint);
        // The writer, when idle, takes an ack on this loop's thread and runs its write up to the first
        // real wait (the HTTP/2 connection's write loop): no thread-pool hop and no second worker woken
        // per event only to start a write (docs/benchmarks.md, "Delivery path wake-ups"). A write still
        // in flight makes the acks behind it queue, in order, as before.
        var acks = Channel.CreateUnbounded<SubscribeTopicEventsRequestAlpha1>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        var acking = WriteAcksAsync(call.RequestStream, acks, stoppingToken);
        Exception? ackFailure;
        try
        {
            while (await call.ResponseStream.MoveNext(stoppingToken))
            {
                if (call.ResponseStream.Current.EventMessage is not { } message)
                {
                    continue;
                }

                var accepted = dispatcher.DispatchPayload(message.Data.Span, lane.Urgent);
                metrics.DeliveryStreamEvents.Add(1, kind, new KeyValuePair<string, object?>("ack", accepted ? "success" : "drop"));
                var processed = new SubscribeTopicEventsRequestProcessedAlpha1
                {
                    Id = message.Id,
                    Status = new TopicEventResponse { Status = accepted ? AckStatus.Success : AckStatus.Drop },
                };
                if (!acks.Writer.TryWrite(new SubscribeTopicEventsRequestAlpha1 { EventProcessed = processed }))
                {
                    // The ack writer stopped on a failure, thrown below.
                    break;
                }
            }
        }
        finally
        {
            // Acks already queued are still written; the call is disposed only after its writer is done.
            acks.Writer.TryComplete();
            ackFailure = await acking;
        }

        if (ackFailure is not null)
        {
            ExceptionDispatchInfo.Throw(ackFailure);
        }
    }

    // Returns the failure that stopped it (none once every ack was written), never throws: a failed
    // write ends the stream, which the read loop then sees or is told of through the closed channel.
    private static async Task<Exception?> WriteAcksAsync(IClientStreamWriter<SubscribeTopicEventsRequestAlpha1> requests, Channel<SubscribeTopicEventsRequestAlpha1> acks, CancellationToken stoppingToken)
    {
        try
        {
            while (await acks.Reader.WaitToReadAsync(stoppingToken))
            {
                while (acks.Reader.TryRead(out var ack))
                {
                    await requests.WriteAsync(ack, stoppingToken);
                }
            }

            return null;
        }
        catch (Exception ex)
        {
            acks.Writer.TryComplete();
            return ex;
        }
    }

    private static KeyValuePair<string, object?> KindTag(bool urgent) => new("topic", urgent ? "urgent" : "normal");

    private sealed record Lane(DaprGrpc.DaprClient Client, Metadata? Headers, string Endpoint, string Topic, bool Urgent);
}
