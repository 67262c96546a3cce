using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// Sends a unary call whose method the server at the channel's address serves in this process
/// (<see cref="InProcessEndpoints.AttachUnary"/>) straight to that method: no HTTP request, no thread
/// hop before the method runs. Everything else goes on down the channel. Failures look as they do
/// over the network: the method's <see cref="RpcException"/> as it is, any other exception as
/// UNKNOWN, a passed deadline as DEADLINE_EXCEEDED, the caller's cancellation as the channel's
/// options say.
/// </summary>
internal sealed class InProcessUnaryInterceptor(Uri address, string key, bool throwOperationCanceledOnCancellation, int? maxReceiveMessageSize) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (InProcessEndpoints.FindUnary(key, context.Method.FullName) is not { } method)
        {
            return continuation(request, context);
        }

        var status = Status.DefaultSuccess;
        var response = CallAsync(method, request, context, s => status = s);
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => status, () => [], () => { });
    }

    // The caller's headers, and its trace context as the network handler would add it (the sidecar
    // puts it in the CloudEvents it publishes).
    private static Metadata Headers(Metadata? headers)
    {
        if (Activity.Current is not { } activity)
        {
            return headers ?? [];
        }

        var traced = new Metadata();
        foreach (var entry in headers ?? [])
        {
            traced.Add(entry);
        }

        DistributedContextPropagator.Current.Inject(activity, traced, static (carrier, name, value) => ((Metadata)carrier!).Add(name, value));
        return traced;
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(InProcessUnaryCall method, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, Action<Status> ended)
        where TRequest : class
        where TResponse : class
    {
        var options = context.Options;
        var deadline = options.Deadline ?? DateTime.MaxValue;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        if (deadline != DateTime.MaxValue)
        {
            call.CancelAfter(deadline.ToUniversalTime() - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        var server = new InProcessServerCallContext(context.Method.FullName, context.Host ?? address.Authority, deadline, Headers(options.Headers), call.Token);
        try
        {
            var reply = await method(InProcessMarshalling.Serialize(context.Method.RequestMarshaller, request), server);
            if (reply.Length > maxReceiveMessageSize)
            {
                // The channel's own limit on what it receives, as on the network.
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
            }

            return InProcessMarshalling.Deserialize(context.Method.ResponseMarshaller, reply);
        }
        catch (Exception ex) when (options.CancellationToken.IsCancellationRequested)
        {
            ended(new Status(StatusCode.Cancelled, "Call canceled by the client.", ex));
            throw throwOperationCanceledOnCancellation ? new OperationCanceledException(options.CancellationToken) : new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client.", ex));
        }
        catch (Exception ex) when (call.IsCancellationRequested)
        {
            ended(new Status(StatusCode.DeadlineExceeded, ""));
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "", ex));
        }
        catch (RpcException ex)
        {
            ended(ex.Status);
            throw;
        }
        catch (Exception ex)
        {
            // As grpc-dotnet's server answers with EnableDetailedErrors (the sidecar's setting).
            var status = new Status(StatusCode.Unknown, $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}", ex);
            ended(status);
            throw new RpcException(status);
        }
    }
}
