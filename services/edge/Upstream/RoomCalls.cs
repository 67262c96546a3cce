using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;

namespace Suite.Edge.Upstream;

/// <summary>
/// The room calls an edge makes for its clients' frames, over one long-lived <c>Calls</c> stream
/// (a message on an open stream costs both sides a fraction of an HTTP/2 request). The calls are
/// idempotent (room.proto), so one the stream could not complete is made again as a unary call,
/// through the client with retries; while the stream is down (1 s), or for a room without it
/// (5 min, then asked again), unary calls are all there is. Deadlines and status codes are the
/// unary calls' own.
/// </summary>
public sealed partial class RoomCalls : IAsyncDisposable
{
    private static readonly TimeSpan ReopenAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UnimplementedRetryAfter = TimeSpan.FromMinutes(5);

    private readonly RoomService.RoomServiceClient _unary;
    private readonly GrpcChannel? _streamChannel;
    private readonly RoomService.RoomServiceClient? _streamClient;
    private readonly TimeProvider _time;
    private readonly ILogger<RoomCalls> _logger;
    private readonly Lock _gate = new();
    private RoomCallStream? _stream;
    private DateTimeOffset _openAfter;

    public RoomCalls(RoomService.RoomServiceClient unary, IOptions<EdgeOptions> options, TimeProvider time, ILogger<RoomCalls> logger)
    {
        _unary = unary;
        _time = time;
        _logger = logger;
        if (options.Value.RoomCallStream)
        {
            _streamChannel = SuiteGrpcClients.StreamingChannel(options.Value.RoomAddress, "room");
            _streamClient = new RoomService.RoomServiceClient(_streamChannel);
        }
    }

    public Task<JoinResponse> JoinAsync(JoinRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { Join = request }, static r => r.Join, (c, o) => c.JoinAsync(request, o), deadline, cancellationToken);

    public Task<LeaveResponse> LeaveAsync(LeaveRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { Leave = request }, static r => r.Leave, (c, o) => c.LeaveAsync(request, o), deadline, cancellationToken);

    public Task<PublishToRoomResponse> PublishToRoomAsync(PublishToRoomRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { PublishToRoom = request }, static r => r.PublishToRoom, (c, o) => c.PublishToRoomAsync(request, o), deadline, cancellationToken);

    public Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { Subscribe = request }, static r => r.Subscribe, (c, o) => c.SubscribeAsync(request, o), deadline, cancellationToken);

    public Task<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { Unsubscribe = request }, static r => r.Unsubscribe, (c, o) => c.UnsubscribeAsync(request, o), deadline, cancellationToken);

    public Task<GetHistoryResponse> GetHistoryAsync(GetHistoryRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        CallAsync(new RoomCall { GetHistory = request }, static r => r.GetHistory, (c, o) => c.GetHistoryAsync(request, o), deadline, cancellationToken);

    private async Task<TResponse> CallAsync<TResponse>(
        RoomCall call,
        Func<RoomCallReply, TResponse> pick,
        Func<RoomService.RoomServiceClient, CallOptions, AsyncUnaryCall<TResponse>> unary,
        DateTime deadline,
        CancellationToken cancellationToken)
    {
        var timeout = deadline - UpstreamDeadline.After(TimeSpan.Zero);
        if (OpenStream() is not { } stream || timeout <= TimeSpan.Zero)
        {
            return await unary(_unary, new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
        }

        call.TimeoutMs = (uint)Math.Ceiling(Math.Min(timeout.TotalMilliseconds, uint.MaxValue));
        var (id, pending) = stream.Start(call);
        RoomCallReply reply;
        try
        {
            reply = await pending.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            stream.Forget(id);
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the room did not answer before the deadline"));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stream.Forget(id);
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
        catch (RoomStreamBrokenException ex)
        {
            RoomCallsLog.RetriedUnary(_logger, call.CallCase.ToString(), ex.InnerException?.Message ?? ex.Message);
            return await unary(_unary, new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
        }

        if (reply.StatusCode != (int)StatusCode.OK)
        {
            throw new RpcException(new Status((StatusCode)reply.StatusCode, reply.StatusDetail));
        }

        return pick(reply);
    }

    // The open stream, a new one if the last broke long enough ago, or null: call unary.
    private RoomCallStream? OpenStream()
    {
        if (_streamClient is null)
        {
            return null;
        }

        var current = _stream;
        if (current is { Failure: null })
        {
            return current;
        }

        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_stream is { Failure: { } failure } broken)
            {
                _openAfter = now + (broken.Unimplemented ? UnimplementedRetryAfter : ReopenAfter);
                RoomCallsLog.StreamEnded(_logger, failure.Message, _openAfter - now);
                _stream = null;
            }

            if (_stream is null && now >= _openAfter)
            {
                _stream = new RoomCallStream(_streamClient);
            }

            return _stream;
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stream?.Close();
            _stream = null;
            _openAfter = DateTimeOffset.MaxValue;
        }

        _streamChannel?.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static partial class RoomCallsLog
{
    [LoggerMessage(1, LogLevel.Information, "room call stream ended ({Reason}); calls go unary for {Pause}")]
    public static partial void StreamEnded(ILogger logger, string reason, TimeSpan pause);

    [LoggerMessage(2, LogLevel.Debug, "room call {Call} made again unary: the call stream broke ({Reason})")]
    public static partial void RetriedUnary(ILogger logger, string call, string reason);
}
