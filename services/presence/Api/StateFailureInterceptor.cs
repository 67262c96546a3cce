using Dapr;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Suite.Presence.State;

namespace Suite.Presence.Api;

/// <summary>
/// Turns state store failures into status codes a caller can act on: UNAVAILABLE when the sidecar or
/// the store cannot be reached (retry later), ABORTED when a record stayed contended (retry now).
/// </summary>
public sealed class StateFailureInterceptor(ILogger<StateFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (DaprException ex)
        {
            var reason = (ex.InnerException as RpcException)?.Status.Detail ?? ex.Message;
            PresenceLog.StoreFailed(logger, ex, reason);
            throw new RpcException(new Status(StatusCode.Unavailable, "state store unavailable: " + reason));
        }
        catch (StateContentionException ex)
        {
            throw new RpcException(new Status(StatusCode.Aborted, ex.Message));
        }
    }
}
