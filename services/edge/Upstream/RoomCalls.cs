using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.CallStreams;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Edge.Upstream;

/// <summary>
/// The room calls an edge makes for its clients' frames, over one long-lived <c>Calls</c> stream
/// (<see cref="StreamedCalls{TCall, TReply}"/>: made again unary when the stream breaks under them,
/// unary while it is down or for a room without it). Deadlines and status codes are the unary calls' own.
/// </summary>
public sealed class RoomCalls : IAsyncDisposable
{
    private readonly RoomService.RoomServiceClient _unary;
    private readonly StreamingUpstream? _streamChannel;
    private readonly StreamedCalls<RoomCall, RoomCallReply> _calls;

    public RoomCalls(RoomService.RoomServiceClient unary, IOptions<EdgeOptions> options, TimeProvider time, ILogger<RoomCalls> logger, ServiceCallCredentials? credentials = null)
    {
        _unary = unary;
        RoomService.RoomServiceClient? streamClient = null;
        if (options.Value.RoomCallStream)
        {
            _streamChannel = SuiteGrpcClients.StreamingChannel(options.Value.RoomAddress, "room", credentials);
            streamClient = new RoomService.RoomServiceClient(_streamChannel.Invoker);
        }

        _calls = new StreamedCalls<RoomCall, RoomCallReply>("room", streamClient is null ? null : () => streamClient.Calls(), time, logger);
    }

    public Task<JoinResponse> JoinAsync(JoinRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { Join = request }, static r => r.Join, o => _unary.JoinAsync(request, o), deadline, cancellationToken);

    public Task<LeaveResponse> LeaveAsync(LeaveRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { Leave = request }, static r => r.Leave, o => _unary.LeaveAsync(request, o), deadline, cancellationToken);

    public Task<PublishToRoomResponse> PublishToRoomAsync(PublishToRoomRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { PublishToRoom = request }, static r => r.PublishToRoom, o => _unary.PublishToRoomAsync(request, o), deadline, cancellationToken);

    public Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { Subscribe = request }, static r => r.Subscribe, o => _unary.SubscribeAsync(request, o), deadline, cancellationToken);

    public Task<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { Unsubscribe = request }, static r => r.Unsubscribe, o => _unary.UnsubscribeAsync(request, o), deadline, cancellationToken);

    public Task<GetHistoryResponse> GetHistoryAsync(GetHistoryRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        _calls.CallAsync(new RoomCall { GetHistory = request }, static r => r.GetHistory, o => _unary.GetHistoryAsync(request, o), deadline, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _calls.Dispose();
        _streamChannel?.Dispose();
        return ValueTask.CompletedTask;
    }
}
