using System.Threading.Channels;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Grpc.Net.Client;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>
/// A streaming subscription (<c>SubscribeTopicEventsAlpha1</c>) through the generated Dapr.Protos
/// client, the way the .NET SDK drives it: the initial request, then acks by id. Events are read in
/// the background, so a test can take them one by one, each with a deadline.
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<SubscribeTopicEventsRequestAlpha1, SubscribeTopicEventsResponseAlpha1> _call;
    private readonly Channel<TopicEventRequest> _events = Channel.CreateUnbounded<TopicEventRequest>();
    private readonly Task _reading;

    private EventStream(GrpcChannel channel, AsyncDuplexStreamingCall<SubscribeTopicEventsRequestAlpha1, SubscribeTopicEventsResponseAlpha1> call)
    {
        _channel = channel;
        _call = call;
        _reading = Task.Run(ReadAsync);
    }

    public static DaprGrpc.DaprClient Client(string grpcEndpoint, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(grpcEndpoint);
        return new DaprGrpc.DaprClient(channel);
    }

    /// <summary>Opens the stream and returns once the sidecar answered with <c>initial_response</c>.</summary>
    public static async Task<EventStream> OpenAsync(
        string grpcEndpoint,
        string pubsub,
        string topic,
        CancellationToken cancellationToken,
        string deadLetterTopic = "",
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var client = Client(grpcEndpoint, out var channel);
        var call = client.SubscribeTopicEventsAlpha1(cancellationToken: cancellationToken);
        var initial = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = pubsub, Topic = topic, DeadLetterTopic = deadLetterTopic };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            initial.Metadata[key] = value;
        }

        try
        {
            await call.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { InitialRequest = initial }, cancellationToken);
            var answered = await call.ResponseStream.MoveNext(cancellationToken).WaitAsync(Wait, cancellationToken);
            if (!answered || call.ResponseStream.Current.InitialResponse is null)
            {
                throw new InvalidOperationException($"expected initial_response, got {(answered ? call.ResponseStream.Current : "end of stream")}");
            }
        }
        catch
        {
            call.Dispose();
            channel.Dispose();
            throw;
        }

        return new EventStream(channel, call);
    }

    public async Task<TopicEventRequest> NextAsync(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        await _events.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(timeout ?? Wait, cancellationToken);

    /// <summary>Answers the event with this id; a null status leaves the field out.</summary>
    public Task AckAsync(string id, TopicEventResponse.Types.TopicEventResponseStatus? status, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(
            new SubscribeTopicEventsRequestAlpha1
            {
                EventProcessed = new SubscribeTopicEventsRequestProcessedAlpha1
                {
                    Id = id,
                    Status = status is { } value ? new TopicEventResponse { Status = value } : null,
                },
            },
            cancellationToken);

    /// <summary>Ends the stream from the client side (half-close, then the call), as a closing subscriber does.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The call already ended.
        }

        _call.Dispose();
        await _reading;
        _channel.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (_call.ResponseStream.Current.EventMessage is { } message)
                {
                    await _events.Writer.WriteAsync(message);
                }
            }

            _events.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _events.Writer.TryComplete(ex);
        }
    }
}
