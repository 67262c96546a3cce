using Dapr;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Suite.ServiceDefaults.State;

/// <summary>
/// Turns state failures into status codes a caller can act on: UNAVAILABLE when the sidecar, the
/// store or the broker cannot be reached (retry later), ABORTED when a record stayed contended or a
/// transaction was refused (re-read and retry now). The reason goes into the status detail.
/// </summary>
public sealed partial class StateErrorInterceptor(ILogger<StateErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (DaprException ex)
        {
            var reason = (ex.InnerException as RpcException)?.Status.Detail is { Length: > 0 } detail ? detail : (ex.InnerException ?? ex).Message;
            Unavailable(logger, ex, reason);
            throw new RpcException(new Status(StatusCode.Unavailable, "state store or pub/sub unavailable: " + reason));
        }
        catch (StateContentionException ex)
        {
            throw new RpcException(new Status(StatusCode.Aborted, ex.Message));
        }
        catch (StateTransactionFailedException ex)
        {
            var reason = (ex.InnerException?.InnerException as RpcException)?.Status.Detail ?? ex.InnerException?.Message;
            throw new RpcException(new Status(StatusCode.Aborted, $"{ex.Message}: {reason}"));
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "state store or pub/sub call failed: {Reason}")]
    private static partial void Unavailable(ILogger logger, Exception exception, string reason);
}
