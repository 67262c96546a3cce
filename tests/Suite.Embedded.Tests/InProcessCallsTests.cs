using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Suite.DaprEmulator.Hosting;
using Suite.LocalServers;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.InProcess;

namespace Suite.Embedded.Tests;

/// <summary>
/// In the embedded suite the services and sidecars call each other in memory: after a room
/// message, a notification and the connects and joins before them went through the edge, room,
/// presence, notification and every sidecar, no TCP connection of this process reaches a gRPC port
/// of the suite (each is still open to callers from outside).
/// </summary>
public sealed class InProcessCallsTests(SuiteAfterTraffic traffic) : IClassFixture<SuiteAfterTraffic>
{
    [Fact]
    public async Task Services_and_sidecars_call_each_other_without_a_socket()
    {
        var suite = traffic.Suite;
        var grpcPorts = suite.GrpcAddresses.ToDictionary(a => new Uri(a.Value).Port, a => a.Key);
        foreach (var (app, port) in suite.SidecarGrpcPorts)
        {
            grpcPorts[port] = app + "'s sidecar";
        }

        var reached = EstablishedPorts().Where(grpcPorts.ContainsKey).Distinct().Select(p => grpcPorts[p]).Order().ToList();
        Assert.True(reached.Count == 0, $"connections to the gRPC ports of {string.Join(", ", reached)}");

        // The ports still answer a caller from outside the suite's own calls.
        using var http = new HttpClient();
        foreach (var port in grpcPorts.Keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/") { Version = new Version(2, 0), VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(2, response.Version.Major);
        }
    }

    [Fact]
    public async Task Streams_between_the_services_and_to_the_sidecars_go_straight_to_their_methods()
    {
        // The edge's call streams to room and presence and its delivery streams from its sidecar are
        // opened at start-up; none of them was an HTTP request, in memory or not.
        var ct = TestContext.Current.CancellationToken;
        var suite = traffic.Suite;
        var hosts = suite.GrpcAddresses.Values.Select(a => new Uri(a).Authority)
            .Concat(suite.SidecarGrpcPorts.Values.Select(p => $"127.0.0.1:{p}"))
            .ToHashSet();

        // A request through the in-memory handler is seen (the check below can see one).
        var room = new Uri(suite.GrpcAddresses["room"]);
        using (var memory = new HttpClient(InProcessEndpoints.HandlerOr(room, () => throw new InvalidOperationException("room is not in memory"))))
        using (var control = new HttpRequestMessage(HttpMethod.Post, new Uri(room, "/control")) { Version = new Version(2, 0) })
        using (await memory.SendAsync(control, ct))
        {
        }

        var onSuitePorts = traffic.Requests.Seen.Where(r => hosts.Contains(r[..r.IndexOf('/', StringComparison.Ordinal)])).ToList();
        Assert.Contains($"{room.Authority}/control", onSuitePorts);
        Assert.DoesNotContain(onSuitePorts, r => r.EndsWith("/Calls", StringComparison.Ordinal) || r.EndsWith("/SubscribeTopicEventsAlpha1", StringComparison.Ordinal));
        // And they carried the traffic: the joins and the room message were not made again unary, as
        // they are when the stream cannot be opened (a refused service token, say).
        Assert.DoesNotContain(onSuitePorts, r => r.EndsWith("RoomService/Join", StringComparison.Ordinal) || r.EndsWith("RoomService/PublishToRoom", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sidecars_unary_methods_called_directly_still_pass_its_interceptors_and_size_limit()
    {
        // The sidecar's API token check is a gRPC interceptor: a direct call without the token is
        // refused as a call over the network is, and one with it is answered.
        var ct = TestContext.Current.CancellationToken;
        var sidecar = new SidecarOptions
        {
            AppId = "direct-" + Guid.NewGuid().ToString("N")[..6],
            GrpcPort = FreePort.Next(),
            HttpPort = FreePort.Next(),
            ResourcesPaths = [Path.Combine(AppContext.BaseDirectory, "components", "memory")],
            ApiToken = "sidecar-token",
        };
        var address = $"http://127.0.0.1:{sidecar.GrpcPort}";
        using var reservation = InProcessEndpoints.Reserve(new Uri(address));
        await using var emulator = EmulatorHost.Build(sidecar, builder => InProcessServer.AddTo(builder.Services));
        await emulator.StartAsync(ct);

        using var without = Sidecar(address, token: null);
        using var with = Sidecar(address, sidecar.ApiToken);
        var refused = await Assert.ThrowsAsync<Dapr.DaprException>(() => without.GetStateAsync("statestore", "k", ct));
        var answered = await with.GetStateAsync("statestore", "k", ct);

        var tooLarge = await Assert.ThrowsAsync<Dapr.DaprException>(() => with.SaveStateAsync("statestore", new Dapr.Client.Autogen.Grpc.v1.StateItem { Key = "k", Value = Google.Protobuf.ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }, ct));

        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(refused.InnerException).StatusCode);
        Assert.True(answered.Data.IsEmpty);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.IsType<RpcException>(tooLarge.InnerException).StatusCode);
        Assert.DoesNotContain(sidecar.GrpcPort, EstablishedPorts());
        await emulator.StopAsync(ct);
    }

    private static SidecarClient Sidecar(string address, string? token) =>
        SidecarApp.Create(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DAPR_GRPC_ENDPOINT"] = address, ["DAPR_API_TOKEN"] = token }).Build());

    // Local and remote ports of every established TCP connection on the machine (a socket of this
    // process reaching one of the suite's ports shows that port on one end).
    private static IEnumerable<int> EstablishedPorts()
    {
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] != "01")
                {
                    continue;
                }

                yield return int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                yield return int.Parse(fields[2][(fields[2].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
    }
}
