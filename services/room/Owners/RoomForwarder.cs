using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Room.Owners;

/// <summary>gRPC clients for the other room replicas, one channel per address, and the mark a forwarded call carries.</summary>
internal sealed class RoomForwarder(ServiceCallCredentials credentials) : IDisposable
{
    public const string Header = "suite-room-forwarded";

    private readonly ConcurrentDictionary<string, (GrpcChannel Channel, RoomService.RoomServiceClient Client)> _clients = new(StringComparer.Ordinal);

    public static bool IsForwarded(ServerCallContext context) => context.RequestHeaders.GetValue(Header) == "1";

    public static CallOptions Options(DateTime? deadline, CancellationToken cancellationToken) =>
        new(new Metadata { { Header, "1" } }, deadline, cancellationToken);

    public RoomService.RoomServiceClient For(string address) =>
        _clients.GetOrAdd(address, a =>
        {
            var options = new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } };
            // This replica's service token: the owner checks a forwarded call like any other.
            credentials.Apply(options, new Uri(a));
            var channel = GrpcChannel.ForAddress(a, options);
            return (channel, new RoomService.RoomServiceClient(channel));
        }).Client;

    public void Dispose()
    {
        foreach (var (channel, _) in _clients.Values)
        {
            channel.Dispose();
        }
    }
}
