using System.Threading.Channels;
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
/// With <paramref name="watches"/>, lookups may watch their users (presence.proto, "Watches");
/// without, no watch is granted and the stream is served as before.
/// </summary>
public sealed class PresenceCallServer(
    PresenceService.PresenceServiceBase service,
    Interceptor? interceptor,
    TimeProvider time,
    ILogger logger,
    ServiceTracing? tracing = null,
    PresenceWatches? watches = null)
{
    public async Task ServeAsync(IAsyncStreamReader<PresenceCall> calls, IServerStreamWriter<PresenceCallReply> replies, ServerCallContext stream)
    {
        // The stream's outbox carries the replies and the watches' pushes, in one order.
        var outbox = Channel.CreateUnbounded<PresenceCallReply>(new UnboundedChannelOptions { SingleReader = true });
        using var watching = watches?.Open(outbox.Writer);
        await new CallStreamServer<PresenceCall, PresenceCallReply>((call, context) => ServeAsync(call, context, watching), time, tracing, SpanName, call => Answered(call, watching))
            .ServeAsync(calls, replies, stream, outbox);
    }

    // Named as the unary RPC's span would be (rpc.service/rpc.method).
    private static string SpanName(PresenceCall call) => call.CallCase switch
    {
        PresenceCall.CallOneofCase.LookupUsers => "suite.presence.v1.PresenceService/LookupUsers",
        PresenceCall.CallOneofCase.Connect => "suite.presence.v1.PresenceService/Connect",
        PresenceCall.CallOneofCase.Disconnect => "suite.presence.v1.PresenceService/Disconnect",
        _ => "suite.presence.v1.PresenceService/Calls",
    };

    private Task<PresenceCallReply> ServeAsync(PresenceCall call, StreamedCallContext context, PresenceWatches.WatchStream? watching) => call.CallCase switch
    {
        PresenceCall.CallOneofCase.LookupUsers when call.LookupUsers.Watch && watching is not null => LookupAndWatchAsync(call.LookupUsers, context, watching),
        PresenceCall.CallOneofCase.LookupUsers => StreamedUnary.RunAsync(call.LookupUsers, context, service.LookupUsers, interceptor, static (PresenceCallReply reply, LookupUsersResponse r) => reply.LookupUsers = r, logger),
        PresenceCall.CallOneofCase.Connect => StreamedUnary.RunAsync(call.Connect, context, service.Connect, interceptor, static (PresenceCallReply reply, ConnectResponse r) => reply.Connect = r, logger),
        PresenceCall.CallOneofCase.Disconnect => StreamedUnary.RunAsync(call.Disconnect, context, service.Disconnect, interceptor, static (PresenceCallReply reply, DisconnectResponse r) => reply.Disconnect = r, logger),
        PresenceCall.CallOneofCase.RenewWatches => Task.FromResult(new PresenceCallReply { RenewWatches = watching?.Renew() ?? new WatchGrant() }),
        _ => StreamedUnary.Unknown<PresenceCallReply>("presence"),
    };

    // The watch is in place before the users are read: a change after the read is pushed.
    private async Task<PresenceCallReply> LookupAndWatchAsync(LookupUsersRequest request, StreamedCallContext context, PresenceWatches.WatchStream watching)
    {
        var grant = watching.Watch(request.UserIds);
        var reply = await StreamedUnary.RunAsync(request, context, service.LookupUsers, interceptor, static (PresenceCallReply reply, LookupUsersResponse r) => reply.LookupUsers = r, logger);
        if (grant is not null && reply.LookupUsers is { } response)
        {
            response.Watch = grant;
        }

        return reply;
    }

    private static void Answered(PresenceCall call, PresenceWatches.WatchStream? watching)
    {
        if (call.CallCase == PresenceCall.CallOneofCase.WatchAck)
        {
            watching?.Acked(call.WatchAck.PushId);
        }
    }
}
