using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.CallStreams;

namespace Suite.ServiceDefaults.PresenceCalls;

/// <summary>
/// Serves <c>PresenceService.Calls</c> for a presence service implementation: each call on the
/// stream runs as the unary RPC of the same name, through the interceptor the unary calls go
/// through (null: none), concurrently with the others, and its reply is written as soon as it completes.
/// </summary>
public sealed class PresenceCallServer(PresenceService.PresenceServiceBase service, Interceptor? interceptor, TimeProvider time, ILogger logger)
{
    public Task ServeAsync(IAsyncStreamReader<PresenceCall> calls, IServerStreamWriter<PresenceCallReply> replies, ServerCallContext stream) =>
        new CallStreamServer<PresenceCall, PresenceCallReply>(ServeAsync, time).ServeAsync(calls, replies, stream);

    private Task<PresenceCallReply> ServeAsync(PresenceCall call, StreamedCallContext context) => call.CallCase switch
    {
        PresenceCall.CallOneofCase.LookupUsers => StreamedUnary.RunAsync(call.LookupUsers, context, service.LookupUsers, interceptor, static (PresenceCallReply reply, LookupUsersResponse r) => reply.LookupUsers = r, logger),
        PresenceCall.CallOneofCase.Connect => StreamedUnary.RunAsync(call.Connect, context, service.Connect, interceptor, static (PresenceCallReply reply, ConnectResponse r) => reply.Connect = r, logger),
        PresenceCall.CallOneofCase.Disconnect => StreamedUnary.RunAsync(call.Disconnect, context, service.Disconnect, interceptor, static (PresenceCallReply reply, DisconnectResponse r) => reply.Disconnect = r, logger),
        _ => StreamedUnary.Unknown<PresenceCallReply>("presence"),
    };
}
