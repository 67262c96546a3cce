using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Suite.Contracts.CallStreams;

namespace Suite.ServiceDefaults.CallStreams;

/// <summary>
/// Runs one call from a <c>Calls</c> stream as the unary RPC of the same name: through the
/// interceptor the unary calls go through (null: none), and with the status the unary call would
/// have ended with in the reply instead of thrown.
/// </summary>
public static partial class StreamedUnary
{
    public static async Task<TReply> RunAsync<TRequest, TResponse, TReply>(
        TRequest request,
        StreamedCallContext context,
        UnaryServerMethod<TRequest, TResponse> method,
        Interceptor? interceptor,
        Action<TReply, TResponse> set,
        ILogger logger)
        where TRequest : class
        where TResponse : class
        where TReply : class, IStreamedReply, new()
    {
        try
        {
            var response = interceptor is null ? await method(request, context) : await interceptor.UnaryServerHandler(request, context, method);
            var reply = new TReply();
            set(reply, response);
            return reply;
        }
        catch (RpcException ex)
        {
            return Failed<TReply>(ex.StatusCode, ex.Status.Detail);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return context.TimedOut
                ? Failed<TReply>(StatusCode.DeadlineExceeded, "the call's timeout passed before it was finished")
                : Failed<TReply>(StatusCode.Cancelled, "the call stream ended");
        }
        catch (Exception ex)
        {
            // What the gRPC server answers a unary handler that throws: UNKNOWN, the reason in the log.
            CallFailed(logger, ex, context.Method, ex.Message);
            return Failed<TReply>(StatusCode.Unknown, "Exception was thrown by handler.");
        }
    }

    /// <summary>The reply of a call that ended with <paramref name="code"/>.</summary>
    public static TReply Failed<TReply>(StatusCode code, string detail)
        where TReply : class, IStreamedReply, new() => new() { StatusCode = (int)code, StatusDetail = detail };

    /// <summary>The reply to a call that names no RPC this server serves on its stream.</summary>
    public static Task<TReply> Unknown<TReply>(string service)
        where TReply : class, IStreamedReply, new() =>
        Task.FromResult(Failed<TReply>(StatusCode.InvalidArgument, $"the call names no RPC this {service} serves on a call stream (empty or unknown call)"));

    [LoggerMessage(1, LogLevel.Error, "a call on the call stream {Method} failed: {Reason}")]
    private static partial void CallFailed(ILogger logger, Exception exception, string method, string reason);
}
