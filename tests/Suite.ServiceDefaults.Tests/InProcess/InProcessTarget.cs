using Grpc.Core;
using Grpc.Net.Client;
using Suite.LocalServers;
using Suite.ServiceDefaults.InProcess;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>
/// An address reserved in this process with methods attached to it and a Dapr client on a channel to
/// it (nothing listens there), all undone on dispose.
/// </summary>
internal sealed record InProcessTarget(DaprGrpc.DaprClient Client, GrpcChannel Channel, IDisposable Attachment, IDisposable Reservation) : IAsyncDisposable
{
    /// <param name="attach">Attaches the methods to the reserved address.</param>
    public static InProcessTarget Serving(Func<Uri, IDisposable> attach, GrpcChannelOptions options, Func<Metadata, Task>? credentials = null)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var reservation = InProcessEndpoints.Reserve(address);
        var attachment = attach(address);
        var channel = GrpcChannel.ForAddress(address, options);
        return new InProcessTarget(new DaprGrpc.DaprClient(InProcessEndpoints.CallInvokerFor(address, channel, options, credentials)), channel, attachment, reservation);
    }

    public ValueTask DisposeAsync()
    {
        Attachment.Dispose();
        Reservation.Dispose();
        Channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
