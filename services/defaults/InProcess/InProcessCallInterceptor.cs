using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// Sends a unary or duplex-streaming call whose method the server at the channel's address serves in
/// this process (<see cref="InProcessEndpoints.AttachUnary"/>, <see cref="InProcessEndpoints.AttachDuplex"/>)
/// straight to that method: no HTTP request, no thread hop before a unary method runs. Everything
/// else goes on down the channel. Failures look as they do over the network: the method's
/// <see cref="RpcException"/> as it is, any other exception as UNKNOWN, a passed deadline as
/// DEADLINE_EXCEEDED, the caller's cancellation as the channel's options say.
/// </summary>
/// <param name="credentials">
/// What the channel's call credentials add to a call's headers (a service token), added here on the
/// direct path because the channel adds them only to an HTTP request.
/// </param>
internal sealed class InProcessCallInterceptor(Uri address, string key, bool throwOperationCanceledOnCancellation, int? maxReceiveMessageSize, Func<Metadata, Task>? credentials) : Interceptor
{
    // The host of a call that names none (Uri builds this string anew on each read).
    private readonly string _authority = address.Authority;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (InProcessEndpoints.FindUnary(key, context.Method.FullName) is not { } method)
        {
            return continuation(request, context);
        }

        // The call's status lives in one small object handed to the call as its state; the (empty)
        // response headers are made only for a caller that asks for them.
        var outcome = new UnaryOutcome();
        var response = CallAsync(method, request, context, outcome);
        return new AsyncUnaryCall<TResponse>(
            response,
            static _ => Task.FromResult(new Metadata()),
            static outcome => ((UnaryOutcome)outcome).Status,
            static _ => [],
            static _ => { },
            outcome);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var method = InProcessEndpoints.FindDuplex(key, context.Method.FullName);
        if (method is null && InProcessEndpoints.ServesDuplex(key))
        {
            // A method the server does not bind: its HTTP endpoint answers (UNIMPLEMENTED, say).
            return continuation(context);
        }

        var stream = new InProcessDuplexStream<TRequest, TResponse>(context.Method, context.Options, throwOperationCanceledOnCancellation, maxReceiveMessageSize);
        if (method is null)
        {
            // Nothing serves the address yet (or any more): refused, as a closed port is. Down the
            // channel, the call would wait in its balancer for the server and then run as an HTTP
            // request for as long as the stream lasts.
            stream.Refuse(new Status(StatusCode.Unavailable, InProcessStatus.NotServed(address)));
            return stream.Call;
        }

        stream.Start(method, context.Host ?? _authority, Headers(context.Options.Headers, copy: credentials is not null), credentials);
        return stream.Call;
    }

    // The caller's headers, and its trace context as the network handler would add it (the sidecar
    // puts it in the CloudEvents it publishes): a copy when anything is added, the caller's own otherwise.
    private static Metadata Headers(Metadata? headers, bool copy)
    {
        var activity = Activity.Current;
        if (activity is null && !copy)
        {
            return headers ?? [];
        }

        var sent = new Metadata();
        foreach (var entry in headers ?? [])
        {
            sent.Add(entry);
        }

        if (activity is not null)
        {
            DistributedContextPropagator.Current.Inject(activity, sent, static (carrier, name, value) => ((Metadata)carrier!).Add(name, value));
        }

        return sent;
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(InProcessUnaryCall method, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, UnaryOutcome outcome)
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

        var headers = Headers(options.Headers, copy: credentials is not null);
        var server = new InProcessServerCallContext(context.Method.FullName, context.Host ?? _authority, deadline, headers, call.Token);
        try
        {
            if (credentials is not null)
            {
                await credentials(headers);
            }

            var reply = await method(InProcessMessage.Of(context.Method.RequestMarshaller, request), server);
            if (InProcessStatus.OverLimit(reply, maxReceiveMessageSize) is { } exhausted)
            {
                // The channel's own limit on what it receives, as on the network.
                throw new RpcException(exhausted);
            }

            return reply.Read(context.Method.ResponseMarshaller);
        }
        catch (Exception ex) when (options.CancellationToken.IsCancellationRequested)
        {
            var cancelled = InProcessStatus.CancelledByCaller(ex);
            outcome.Status = cancelled;
            throw throwOperationCanceledOnCancellation ? new OperationCanceledException(options.CancellationToken) : new RpcException(cancelled);
        }
        catch (Exception ex) when (call.IsCancellationRequested)
        {
            outcome.Status = InProcessStatus.DeadlineExceeded();
            throw new RpcException(InProcessStatus.DeadlineExceeded(ex));
        }
        catch (RpcException ex)
        {
            outcome.Status = ex.Status;
            throw;
        }
        catch (Exception ex)
        {
            var status = InProcessStatus.Unknown(ex);
            outcome.Status = status;
            throw new RpcException(status);
        }
    }

    private sealed class UnaryOutcome
    {
        public Status Status { get; set; } = Status.DefaultSuccess;
    }
}
