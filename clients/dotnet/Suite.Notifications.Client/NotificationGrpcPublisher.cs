using Grpc.Core;
using Grpc.Net.Client;
using Suite.Contracts.Notification.V1;

namespace Suite.Notifications.Client;

/// <summary>
/// Publishes business events with <c>NotificationService.Publish</c>: the answer says whether the
/// event was accepted (its id, how many edges it went to, whether it was a duplicate), at the cost of
/// calling the service directly. Validated before the call as <see cref="NotificationPublisher"/>
/// does; the service's own refusal arrives as <see cref="RpcException"/> (INVALID_ARGUMENT,
/// UNAUTHENTICATED, UNAVAILABLE: retry with the same id).
/// </summary>
public sealed class NotificationGrpcPublisher : IDisposable
{
    private readonly NotificationService.NotificationServiceClient _client;
    private readonly NotificationPublisherOptions _options;
    private readonly GrpcChannel? _ownedChannel;

    /// <param name="client">A client whose channel already carries the service token, if one is needed.</param>
    /// <param name="options">Limits and content serialisation (the topic settings are not used).</param>
    public NotificationGrpcPublisher(NotificationService.NotificationServiceClient client, NotificationPublisherOptions? options = null)
        : this(client, options, null)
    {
    }

    private NotificationGrpcPublisher(NotificationService.NotificationServiceClient client, NotificationPublisherOptions? options, GrpcChannel? ownedChannel)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new();
        _ownedChannel = ownedChannel;
    }

    /// <summary>
    /// A publisher with its own channel to the notification service's gRPC address (h2c inside the
    /// suite, e.g. <c>http://notification:5103</c>), sending <paramref name="tokens"/> on every call
    /// when the suite runs with <c>Internal:ServiceKey</c>.
    /// </summary>
    public static NotificationGrpcPublisher Create(Uri address, ServiceTokenSource? tokens = null, NotificationPublisherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var channelOptions = new GrpcChannelOptions();
        if (tokens is not null)
        {
            channelOptions.Credentials = ChannelCredentials.Create(
                address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
                tokens.ToCallCredentials());
            // The suite's channels are h2c; the token must travel on them too.
            channelOptions.UnsafeUseInsecureChannelCallCredentials = true;
        }

        var channel = GrpcChannel.ForAddress(address, channelOptions);
        return new NotificationGrpcPublisher(new NotificationService.NotificationServiceClient(channel), options, channel);
    }

    /// <exception cref="NotificationValidationException">The service would refuse the event; nothing was sent.</exception>
    public async Task<PublishResponse> PublishAsync(BusinessEvent evt, CancellationToken cancellationToken = default)
    {
        var content = BusinessEventRendering.Content(evt, _options.ContentSerializerOptions);
        BusinessEventValidator.Validate(evt, content, _options.Limits);
        return await _client.PublishAsync(BusinessEventRendering.Proto(evt, content), cancellationToken: cancellationToken);
    }

    public void Dispose() => _ownedChannel?.Dispose();
}
