using Grpc.Core;
using Grpc.Net.Client;

namespace Suite.ServiceDefaults;

/// <summary>The channel of <see cref="SuiteGrpcClients.StreamingChannel"/> and the call invoker its clients are made on.</summary>
public sealed class StreamingUpstream(GrpcChannel channel, CallInvoker invoker) : IDisposable
{
    public CallInvoker Invoker => invoker;

    public void Dispose() => channel.Dispose();
}
