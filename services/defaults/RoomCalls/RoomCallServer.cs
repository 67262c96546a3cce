using System.Threading.Channels;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Suite.Contracts.Room.V1;

using Microsoft.Extensions.Logging;

namespace Suite.ServiceDefaults.RoomCalls;

/// <summary>
/// Serves <c>RoomService.Calls</c> for a room service implementation: each call on the stream runs
/// as the unary RPC of the same name, through the interceptor the unary calls go through (null:
/// none), concurrently with the others (a slow room does not hold up another room's calls), and its
/// reply is written as soon as it completes.
/// </summary>
public sealed partial class RoomCallServer(RoomService.RoomServiceBase service, Interceptor? interceptor, TimeProvider time, ILogger logger)
{
    // Calls of one stream running at once; past it the stream is not read, and HTTP/2 flow control
    // holds the edge back. An edge sends at most its clients' frames, each waiting for its reply.
    private const int MaxInFlight = 1024;

    public async Task ServeAsync(IAsyncStreamReader<RoomCall> calls, IServerStreamWriter<RoomCallReply> replies, ServerCallContext stream)
    {
        // One writer: a gRPC stream takes one write at a time.
        var outbox = Channel.CreateUnbounded<RoomCallReply>(new UnboundedChannelOptions { SingleReader = true });
        var writing = WriteAllAsync(outbox.Reader, replies);
        using var slots = new SemaphoreSlim(MaxInFlight);
        try
        {
            await foreach (var call in calls.ReadAllAsync(stream.CancellationToken))
            {
                await slots.WaitAsync(stream.CancellationToken);
                _ = RunAsync(call, stream, outbox.Writer, slots);
            }
        }
        finally
        {
            // Every call started is answered (or cancelled with the stream) before the stream ends.
            for (var i = 0; i < MaxInFlight; i++)
            {
                await slots.WaitAsync(CancellationToken.None);
            }

            outbox.Writer.Complete();
            await writing;
        }
    }

    private async Task RunAsync(RoomCall call, ServerCallContext stream, ChannelWriter<RoomCallReply> outbox, SemaphoreSlim slots)
    {
        try
        {
            using var context = new StreamedCallContext(stream, call.TimeoutMs, time);
            var reply = await ServeAsync(call, context);
            reply.Id = call.Id;
            outbox.TryWrite(reply);
        }
        finally
        {
            slots.Release();
        }
    }

    private Task<RoomCallReply> ServeAsync(RoomCall call, StreamedCallContext context) => call.CallCase switch
    {
        RoomCall.CallOneofCase.Join => RunAsync(call.Join, context, service.Join, static (reply, r) => reply.Join = r),
        RoomCall.CallOneofCase.Leave => RunAsync(call.Leave, context, service.Leave, static (reply, r) => reply.Leave = r),
        RoomCall.CallOneofCase.PublishToRoom => RunAsync(call.PublishToRoom, context, service.PublishToRoom, static (reply, r) => reply.PublishToRoom = r),
        RoomCall.CallOneofCase.Subscribe => RunAsync(call.Subscribe, context, service.Subscribe, static (reply, r) => reply.Subscribe = r),
        RoomCall.CallOneofCase.Unsubscribe => RunAsync(call.Unsubscribe, context, service.Unsubscribe, static (reply, r) => reply.Unsubscribe = r),
        RoomCall.CallOneofCase.GetHistory => RunAsync(call.GetHistory, context, service.GetHistory, static (reply, r) => reply.GetHistory = r),
        _ => Task.FromResult(Failed(StatusCode.InvalidArgument, "the call names no RPC this room serves on a call stream (empty or unknown call)")),
    };

    private async Task<RoomCallReply> RunAsync<TRequest, TResponse>(TRequest request, StreamedCallContext context, UnaryServerMethod<TRequest, TResponse> method, Action<RoomCallReply, TResponse> set)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            var response = interceptor is null ? await method(request, context) : await interceptor.UnaryServerHandler(request, context, method);
            var reply = new RoomCallReply();
            set(reply, response);
            return reply;
        }
        catch (RpcException ex)
        {
            return Failed(ex.StatusCode, ex.Status.Detail);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return context.TimedOut
                ? Failed(StatusCode.DeadlineExceeded, "the call's timeout passed before the room finished it")
                : Failed(StatusCode.Cancelled, "the call stream ended");
        }
        catch (Exception ex)
        {
            // What the gRPC server answers a unary handler that throws: UNKNOWN, the reason in the log.
            CallFailed(logger, ex, context.Method, ex.Message);
            return Failed(StatusCode.Unknown, "Exception was thrown by handler.");
        }
    }

    private static RoomCallReply Failed(StatusCode code, string detail) => new() { StatusCode = (int)code, StatusDetail = detail };

    private static async Task WriteAllAsync(ChannelReader<RoomCallReply> outbox, IServerStreamWriter<RoomCallReply> replies)
    {
        try
        {
            await foreach (var reply in outbox.ReadAllAsync())
            {
                await replies.WriteAsync(reply);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The caller went away: its open calls end with the stream, and it retries them unary.
        }
    }

    [LoggerMessage(1, LogLevel.Error, "a call on the room call stream {Method} failed: {Reason}")]
    private static partial void CallFailed(ILogger logger, Exception exception, string method, string reason);
}
