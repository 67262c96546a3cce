using Dapr;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Suite.Room.State;

namespace Suite.Room.Api;

/// <summary>
/// Maps state store and broker failures to status codes a caller can act on: UNAVAILABLE for the
/// sidecar or store failing (retry later), ABORTED when a contended key could not be updated (retry now).
/// </summary>
internal sealed class StateErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (DaprException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"state store or pub/sub unavailable: {(ex.InnerException ?? ex).Message}"));
        }
        catch (ConcurrencyExhaustedException ex)
        {
            throw new RpcException(new Status(StatusCode.Aborted, ex.Message));
        }
    }
}
