using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// A unary gRPC method of a server in this process, called directly: the request and response as
/// their serialized bytes (each side keeps its own objects, as over the network) and the server's
/// interceptors in front of the method.
/// </summary>
public delegate Task<byte[]> InProcessUnaryCall(byte[] request, ServerCallContext context);
