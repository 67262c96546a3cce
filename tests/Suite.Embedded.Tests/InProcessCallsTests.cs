using System.Globalization;

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
