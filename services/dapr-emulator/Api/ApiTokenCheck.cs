using Grpc.Core;
using Grpc.Core.Interceptors;
using Suite.DaprEmulator.Hosting;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// With DAPR_API_TOKEN set, every call must carry it in <c>dapr-api-token</c>; gRPC answers
/// Unauthenticated and HTTP 401, and the health endpoints stay open, as in daprd.
/// </summary>
public sealed class ApiTokenCheck(SidecarOptions options) : Interceptor
{
    public const string Header = "dapr-api-token";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (options.ApiToken is { } token && context.RequestHeaders.GetValue(Header) != token)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authentication error: api token mismatch"));
        }
    }

    public static async Task HttpMiddleware(HttpContext context, RequestDelegate next)
    {
        var options = context.RequestServices.GetRequiredService<SidecarOptions>();
        if (options.ApiToken is { } token
            && !context.Request.Path.StartsWithSegments("/v1.0/healthz", StringComparison.Ordinal)
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true
            && context.Request.Headers[Header] != token)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new { errorCode = "ERR_API_TOKEN", message = "authentication error: api token mismatch" });
            return;
        }

        await next(context);
    }
}
