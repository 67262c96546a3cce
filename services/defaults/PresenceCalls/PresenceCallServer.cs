using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.CallStreams;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults.PresenceCalls;

/// <summary>
/// Serves <c>PresenceService.Calls</c> for a presence service implementation: each call on the
/// stream runs as the unary RPC of the same name, through the interceptor the unary calls go
/// through (null: none), concurrently with the others, and its reply is written as soon as it completes.
/// </summary>
public sealed class PresenceCallServer(PresenceService.PresenceServiceBase service, Interceptor? interceptor, TimeProvider time, ILogger logger, ServiceTracing? tracing = null)
{
    public Task ServeAsync(IAsyncStreamReader<PresenceCall> calls, IServerStreamWriter<PresenceCallReply> replies, ServerCallContext stream) =>
        new CallStreamServer<PresenceCall, PresenceCallReply>(ServeAsync, time, tracing, SpanName).ServeAsync(calls, replies, stream);

    // Named as the unary RPC's span would be (rpc.service/rpc.method).
    private static string SpanName(PresenceCall call) => call.CallCase switch
    {
        PresenceCall.CallOneofCase.LookupUsers => "suite.presence.v1.PresenceService/LookupUsers",
        PresenceCall.CallOneofCase.Connect => "suite.presence.v1.PresenceService/Connect",
        PresenceCall.CallOneofCase.Disconnect => "suite.presence.v1.PresenceService/Disconnect",
        _ => "suite.presence.v1.PresenceService/Calls",
    };

    private Task<PresenceCallReply> ServeAsync(PresenceCall call, StreamedCallContext context) => call.CallCase switch
    {
        PresenceCall.CallOneofCase.LookupUsers => StreamedUnary.RunAsync(call.LookupUsers, context, service.LookupUsers, interceptor, static (PresenceCallReply reply, LookupUsersResponse r) => reply.LookupUsers = r, logger),
        PresenceCall.CallOneofCase.Connect => StreamedUnary.RunAsync(call.Connect, context, service.Connect, interceptor, static (PresenceCallReply reply, ConnectResponse r) => reply.Connect = r, logger),
        PresenceCall.CallOneofCase.Disconnect => StreamedUnary.RunAsync(call.Disconnect, context, service.Disconnect, interceptor, static (PresenceCallReply reply, DisconnectResponse r) => reply.Disconnect = r, logger),
        _ => StreamedUnary.Unknown<PresenceCallReply>("presence"),
    };
}
