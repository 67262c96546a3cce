using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Suite.ServiceDefaults.InProcess;

namespace Suite.Embedded;

/// <summary>
/// The unary and duplex-streaming methods of an app's gRPC services, each behind the interceptors the
/// app registered (in their order), for <see cref="InProcessEndpoints.AttachUnary"/> and
/// <see cref="InProcessEndpoints.AttachDuplex"/>: what the app's gRPC endpoint would run for the
/// call, without the HTTP request around it.
/// </summary>
internal sealed class InProcessMethods : ServiceBinderBase
{
    private readonly Dictionary<string, InProcessUnaryCall> _unary = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InProcessDuplexCall> _duplex = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<Interceptor> _interceptors;

    private readonly int? _maxReceiveMessageSize;

    private InProcessMethods(IReadOnlyList<Interceptor> interceptors, int? maxReceiveMessageSize)
    {
        _interceptors = interceptors;
        _maxReceiveMessageSize = maxReceiveMessageSize;
    }

    public IReadOnlyDictionary<string, InProcessUnaryCall> Unary => _unary;

    public IReadOnlyDictionary<string, InProcessDuplexCall> Duplex => _duplex;

    /// <summary>
    /// Binds every service the app mapped, one instance each (grpc-dotnet makes one per call; the
    /// suite's services and the sidecar's hold no per-call state and depend on singletons only).
    /// </summary>
    public static InProcessMethods Of(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GrpcServiceOptions>>().Value;
        var binder = new InProcessMethods([.. options.Interceptors.Select(r => (Interceptor)ActivatorUtilities.GetServiceOrCreateInstance(services, r.Type))], options.MaxReceiveMessageSize);
        var serviceTypes = services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType)
            .OfType<Type>()
            .Distinct();
        foreach (var type in serviceTypes)
        {
            var bind = BindMethod(type);
            bind.Invoke(null, [binder, ActivatorUtilities.GetServiceOrCreateInstance(services, type)]);
        }

        return binder;
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        if (handler is null)
        {
            return;
        }

        var pipeline = Intercepted(handler, (interceptor, next) => (request, context) => interceptor.UnaryServerHandler(request, context, next));

        var limit = _maxReceiveMessageSize;
        _unary[method.FullName] = async (request, context) =>
        {
            if (InProcessStatus.OverLimit(request, limit) is { } exhausted)
            {
                // The server's own limit (the sidecar's 4 MiB, as daprd's), as its endpoint applies it.
                throw new RpcException(exhausted);
            }

            return InProcessMessage.Of(method.ResponseMarshaller, await pipeline(request.Read(method.RequestMarshaller), context));
        };
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (handler is null)
        {
            return;
        }

        var pipeline = Intercepted(handler, (interceptor, next) => (requests, responses, context) => interceptor.DuplexStreamingServerHandler(requests, responses, context, next));

        var limit = _maxReceiveMessageSize;
        _duplex[method.FullName] = (requests, responses, context) => pipeline(
            new InProcessMessageReader<TRequest>(requests, method.RequestMarshaller, limit),
            new InProcessMessageWriter<TResponse>(responses, method.ResponseMarshaller),
            context);
    }

    // The suite serves no client- or server-streaming method: those stay on the in-memory HTTP request.
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
    }

    // The app's interceptors around a method; the first registered is the outermost, as grpc-dotnet
    // builds its pipeline.
    private T Intercepted<T>(T method, Func<Interceptor, T, T> around) =>
        _interceptors.Reverse().Aggregate(method, (next, interceptor) => around(interceptor, next));

    // The generated static BindService(ServiceBinderBase, TServiceBase) named by the service base
    // class's [BindServiceMethod], as grpc-dotnet finds it.
    private static MethodInfo BindMethod(Type serviceType)
    {
        for (var type = serviceType; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>() is { } attribute)
            {
                return attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(ServiceBinderBase), type])
                    ?? throw new InvalidOperationException($"{attribute.BindType}.{attribute.BindMethodName} not found for {serviceType}");
            }
        }

        throw new InvalidOperationException($"{serviceType} has no [BindServiceMethod] base class");
    }
}
