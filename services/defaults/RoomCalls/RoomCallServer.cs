using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults.CallStreams;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults.RoomCalls;

/// <summary>
/// Serves <c>RoomService.Calls</c> for a room service implementation: each call on the stream runs
/// as the unary RPC of the same name, through the interceptor the unary calls go through (null:
/// none), concurrently with the others (a slow room does not hold up another room's calls), and its
/// reply is written as soon as it completes.
/// </summary>
public sealed class RoomCallServer(RoomService.RoomServiceBase service, Interceptor? interceptor, TimeProvider time, ILogger logger, ServiceTracing? tracing = null)
{
    public Task ServeAsync(IAsyncStreamReader<RoomCall> calls, IServerStreamWriter<RoomCallReply> replies, ServerCallContext stream) =>
        new CallStreamServer<RoomCall, RoomCallReply>(ServeAsync, time, tracing, SpanName).ServeAsync(calls, replies, stream);

    // Named as the unary RPC's span would be (rpc.service/rpc.method).
    private static string SpanName(RoomCall call) => call.CallCase switch
    {
        RoomCall.CallOneofCase.Join => "suite.room.v1.RoomService/Join",
        RoomCall.CallOneofCase.Leave => "suite.room.v1.RoomService/Leave",
        RoomCall.CallOneofCase.PublishToRoom => "suite.room.v1.RoomService/PublishToRoom",
        RoomCall.CallOneofCase.Subscribe => "suite.room.v1.RoomService/Subscribe",
        RoomCall.CallOneofCase.Unsubscribe => "suite.room.v1.RoomService/Unsubscribe",
        RoomCall.CallOneofCase.GetHistory => "suite.room.v1.RoomService/GetHistory",
        _ => "suite.room.v1.RoomService/Calls",
    };

    private Task<RoomCallReply> ServeAsync(RoomCall call, StreamedCallContext context) => call.CallCase switch
    {
        RoomCall.CallOneofCase.Join => Run(call.Join, context, service.Join, static (reply, r) => reply.Join = r),
        RoomCall.CallOneofCase.Leave => Run(call.Leave, context, service.Leave, static (reply, r) => reply.Leave = r),
        RoomCall.CallOneofCase.PublishToRoom => Run(call.PublishToRoom, context, service.PublishToRoom, static (reply, r) => reply.PublishToRoom = r),
        RoomCall.CallOneofCase.Subscribe => Run(call.Subscribe, context, service.Subscribe, static (reply, r) => reply.Subscribe = r),
        RoomCall.CallOneofCase.Unsubscribe => Run(call.Unsubscribe, context, service.Unsubscribe, static (reply, r) => reply.Unsubscribe = r),
        RoomCall.CallOneofCase.GetHistory => Run(call.GetHistory, context, service.GetHistory, static (reply, r) => reply.GetHistory = r),
        _ => StreamedUnary.Unknown<RoomCallReply>("room"),
    };

    private Task<RoomCallReply> Run<TRequest, TResponse>(TRequest request, StreamedCallContext context, UnaryServerMethod<TRequest, TResponse> method, Action<RoomCallReply, TResponse> set)
        where TRequest : class
        where TResponse : class =>
        StreamedUnary.RunAsync(request, context, method, interceptor, set, logger);
}
