using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// A duplex-streaming gRPC method of a server in this process, called directly: the messages each
/// way as <see cref="InProcessMessage"/>s (each side keeps its own objects, as over the network) and
/// the server's interceptors in front of the method.
/// </summary>
public delegate Task InProcessDuplexCall(IAsyncStreamReader<InProcessMessage> requests, IServerStreamWriter<InProcessMessage> responses, ServerCallContext context);
