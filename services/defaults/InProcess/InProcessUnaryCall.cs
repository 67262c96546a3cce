using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// A unary gRPC method of a server in this process, called directly: the request and response as
/// <see cref="InProcessMessage"/>s (each side keeps its own objects, as over the network) and the
/// server's interceptors in front of the method.
/// </summary>
public delegate Task<InProcessMessage> InProcessUnaryCall(InProcessMessage request, ServerCallContext context);
