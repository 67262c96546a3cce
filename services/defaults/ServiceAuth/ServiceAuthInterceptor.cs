using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>
/// Refuses a gRPC call without a valid service token (UNAUTHENTICATED, with the reason), and one
/// from a service the <see cref="CallerPolicy"/> does not allow for the method (PERMISSION_DENIED).
/// Does nothing while service authentication is off.
/// </summary>
public sealed partial class ServiceAuthInterceptor(ServiceTokens tokens, IOptions<ServiceAuthOptions> options, CallerPolicy policy, ILogger<ServiceAuthInterceptor> logger) : Interceptor
{
    public const string Header = "authorization";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task CheckAsync(ServerCallContext context)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var header = context.RequestHeaders.GetValue(Header);
        var (service, problem) = header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? await tokens.CheckAsync(header["Bearer ".Length..])
            : (null, "no service token (metadata 'authorization: Bearer <token>')");
        if (service is null)
        {
            Refused(logger, context.Method, context.Peer, problem!);
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"service token refused: {problem}"));
        }

        if (!policy.Allows(context.Method, service))
        {
            Forbidden(logger, context.Method, service);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"'{service}' may not call {context.Method}"));
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "refused {Method} from {Peer}: {Problem}")]
    private static partial void Refused(ILogger logger, string method, string peer, string problem);

    [LoggerMessage(2, LogLevel.Warning, "refused {Method} from service '{Service}': not allowed to call it")]
    private static partial void Forbidden(ILogger logger, string method, string service);
}
