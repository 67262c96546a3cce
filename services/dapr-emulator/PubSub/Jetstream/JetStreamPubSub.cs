using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// <c>pubsub.jetstream</c> as components-contrib implements it: JetStream publish with the CloudEvent id as
/// <c>Nats-Msg-Id</c>, and one push consumer per subscription. Streams must already exist.
/// </summary>
public sealed class JetStreamPubSub : IPubSub
{
    // JetStream API error code for "stream not found".
    private const int StreamNotFoundErrorCode = 10059;

    private readonly JetStreamMetadata _metadata;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SubscriptionSet<JetStreamSubscription> _subscriptions = new();
    private NatsConnection? _connection;
    private NatsJSContext? _jetStream;
    private int _disposed;

    public JetStreamPubSub(ComponentDefinition definition, ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(context);
        _metadata = JetStreamMetadata.Parse(definition.Metadata);
        _loggerFactory = context.LoggerFactory;
        _logger = context.LoggerFactory.CreateLogger<JetStreamPubSub>();
    }

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_connection is not null)
        {
            throw new InvalidOperationException("InitAsync was already called");
        }

        var options = NatsOpts.Default with
        {
            Url = _metadata.NatsUrl,
            Name = _metadata.Name,
            AuthOpts = CreateAuthOptions(),
            TlsOpts = CreateTlsOptions(),
            LoggerFactory = _loggerFactory,
        };
        var connection = new NatsConnection(options);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        _connection = connection;
        _jetStream = new NatsJSContext(connection, new NatsJSOpts(options, _metadata.ApiPrefix, _metadata.Domain));
        JetStreamLog.Connected(_logger, _metadata.NatsUrl, _metadata.Name);
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var jetStream = GetJetStream();
        var msgId = CloudEventId.TryRead(data);
        PubAckResponse ack;
        try
        {
            ack = await jetStream.PublishAsync(
                topic,
                data,
                opts: new NatsJSPubOpts { MsgId = msgId },
                cancellationToken: cancellationToken);
        }
        catch (NatsJSPublishNoResponseException e)
        {
            // JetStream answers a publish only on subjects a stream captures; otherwise nobody responds.
            throw new NoStreamForSubjectException(topic, innerException: e);
        }
        catch (NatsNoRespondersException e)
        {
            throw new NoStreamForSubjectException(topic, innerException: e);
        }

        // Not EnsureSuccess: it throws on a duplicate, while nats.go's Publish returns the PubAck with
        // Duplicate set and daprd reports success, which is the point of de-duplicating by CloudEvent id.
        if (ack.Error is { } error)
        {
            throw new NatsJSApiException(error);
        }

        JetStreamLog.Published(_logger, topic, ack.Stream, ack.Seq, msgId, ack.Duplicate);
    }

    public async Task<IAsyncDisposable> SubscribeAsync(TopicSubscription subscription, MessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(handler);
        var jetStream = GetJetStream();
        var connection = _connection!;

        // contrib ignores the subscription's own metadata: every consumer setting comes from the component.
        var streamName = _metadata.StreamName ?? await FindStreamAsync(jetStream, subscription.Topic, cancellationToken);
        var plan = JetStreamConsumerPlan.Create(subscription.Topic, streamName, _metadata);

        // Listen before the consumer exists so nothing it pushes right away is missed.
        var sub = await connection.SubscribeCoreAsync<byte[]>(plan.DeliverSubject, plan.QueueGroup, cancellationToken: cancellationToken);
        try
        {
            await jetStream.CreateOrUpdateConsumerAsync(streamName, plan.ToConsumerConfig(_metadata), cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNotFoundErrorCode)
        {
            await sub.DisposeAsync();
            throw new NoStreamForSubjectException(subscription.Topic, _metadata.StreamName, e);
        }
        catch (NatsJSApiException e)
        {
            await sub.DisposeAsync();
            throw new InvalidOperationException(
                $"creating JetStream consumer '{plan.ConsumerName}' on stream '{streamName}' for subject '{subscription.Topic}' failed: {e.Error.Description} (error {e.Error.ErrCode})",
                e);
        }
        catch
        {
            await sub.DisposeAsync();
            throw;
        }

        var result = new JetStreamSubscription(
            connection, jetStream, sub, plan, _metadata, handler, _logger, done => _subscriptions.Remove(done));
        _subscriptions.Add(result);
        JetStreamLog.Subscribed(_logger, plan.Topic, plan.ConsumerName, streamName, plan.DeliverSubject, plan.QueueGroup);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _subscriptions.DisposeAllAsync();

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private static async Task<string> FindStreamAsync(INatsJSContext jetStream, string subject, CancellationToken cancellationToken)
    {
        await foreach (var name in jetStream.ListStreamNamesAsync(subject, cancellationToken))
        {
            return name;
        }

        throw new NoStreamForSubjectException(subject);
    }

    private NatsJSContext GetJetStream()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        return _jetStream ?? throw new InvalidOperationException("InitAsync must complete before publishing or subscribing");
    }

    // Same precedence as contrib's Init: jwt + seed, else a TLS client certificate, else a token.
    private NatsAuthOpts CreateAuthOptions() =>
        _metadata switch
        {
            { Jwt: { } jwt, SeedKey: { } seed } => NatsAuthOpts.Default with { Jwt = jwt, Seed = seed },
            { TlsClientCert: not null } => NatsAuthOpts.Default,
            { Token: { } token } => NatsAuthOpts.Default with { Token = token },
            _ => NatsAuthOpts.Default,
        };

    private NatsTlsOpts CreateTlsOptions() =>
        _metadata is { Jwt: null, TlsClientCert: { } cert, TlsClientKey: { } key }
            ? NatsTlsOpts.Default with { CertFile = cert, KeyFile = key }
            : NatsTlsOpts.Default;
}
