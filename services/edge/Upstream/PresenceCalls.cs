using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.CallStreams;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Edge.Upstream;

/// <summary>
/// The presence calls an edge makes for its clients (connects, disconnects, the lookups of direct
/// messages), over one long-lived
/// <c>PresenceService.Calls</c> stream (<see cref="StreamedCalls{TCall, TReply}"/>: made again unary
/// when the stream breaks under them, unary while it is down or for a presence without it).
/// Deadlines and status codes are the unary calls' own.
/// </summary>
public sealed class PresenceCalls : IAsyncDisposable
{
    private readonly PresenceService.PresenceServiceClient _unary;
    private readonly StreamingUpstream? _streamChannel;
    private readonly StreamedCalls<PresenceCall, PresenceCallReply> _calls;

    // How long a renewal of the watches may take before the edge stops waiting (the answers lapse on their own).
    private static readonly TimeSpan RenewalTimeout = TimeSpan.FromSeconds(2);

    public PresenceCalls(
        PresenceService.PresenceServiceClient unary,
        IOptions<EdgeOptions> options,
        TimeProvider time,
        ILogger<PresenceCalls> logger,
        ServiceCallCredentials? credentials = null,
        ICallStreamObserver<PresenceCall, PresenceCallReply>? observer = null)
    {
        _unary = unary;
        PresenceService.PresenceServiceClient? streamClient = null;
        if (options.Value.PresenceCallStream)
        {
            _streamChannel = SuiteGrpcClients.StreamingChannel(options.Value.PresenceAddress, "presence", credentials);
            streamClient = new PresenceService.PresenceServiceClient(_streamChannel.Invoker);
        }

        _calls = new StreamedCalls<PresenceCall, PresenceCallReply>("presence", streamClient is null ? null : () => streamClient.Calls(), time, logger, observer);
    }

    public Task<LookupUsersResponse> LookupUsersAsync(LookupUsersRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new PresenceCall { LookupUsers = request }, static r => r.LookupUsers, o => _unary.LookupUsersAsync(request, o), deadline, cancellationToken);

    /// <summary>A lookup made by <see cref="Direct.RecipientCache"/> (it watches the reply on the stream); unary when the stream cannot carry it.</summary>
    public Task<LookupUsersResponse> LookupUsersAsync(PresenceCall call, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(call, static r => r.LookupUsers, o => _unary.LookupUsersAsync(call.LookupUsers, o), deadline, cancellationToken);

    /// <summary>Extends the stream's watches; null when there is no stream to carry it.</summary>
    public Task<PresenceCallReply?> RenewWatchesAsync(PresenceCall call) =>
        _calls.TryCallOnStreamAsync(call, RenewalTimeout, CancellationToken.None);

    public Task<ConnectResponse> ConnectAsync(ConnectRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new PresenceCall { Connect = request }, static r => r.Connect, o => _unary.ConnectAsync(request, o), deadline, cancellationToken);

    public Task<DisconnectResponse> DisconnectAsync(DisconnectRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new PresenceCall { Disconnect = request }, static r => r.Disconnect, o => _unary.DisconnectAsync(request, o), deadline, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _calls.Dispose();
        _streamChannel?.Dispose();
        return ValueTask.CompletedTask;
    }
}
