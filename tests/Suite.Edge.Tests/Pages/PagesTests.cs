using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Suite.Edge.Tests.Integration;

namespace Suite.Edge.Tests.Pages;

/// <summary>The demo and ops pages and /ops/data: Development with Edge:PagesPath only, public port only.</summary>
public sealed class PagesTests : IDisposable
{
    private readonly string _pages = Directory.CreateTempSubdirectory("edge-pages-").FullName;

    public PagesTests()
    {
        File.WriteAllText(Path.Combine(_pages, "index.html"), "<p>demo page</p>");
        Directory.CreateDirectory(Path.Combine(_pages, "ops"));
        File.WriteAllText(Path.Combine(_pages, "ops", "index.html"), "<p>ops page</p>");
    }

    public void Dispose() => Directory.Delete(_pages, recursive: true);

    [Fact]
    public async Task Development_edge_serves_the_pages_and_its_connections_and_rooms_as_ops_data()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Edge:PagesPath"] = _pages });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        await alice.SendAsync(new { type = "join", roomId = "lobby" }, ct);
        await alice.ReceiveAsync("joined", ct);

        Assert.Contains("demo page", await http.GetStringAsync("/", ct), StringComparison.Ordinal);
        Assert.Contains("ops page", await http.GetStringAsync("/ops", ct), StringComparison.Ordinal);
        var data = await http.GetFromJsonAsync<JsonElement>("/ops/data", ct);
        Assert.Equal(edge.EdgeId, data.GetProperty("edgeId").GetString());
        Assert.Equal(1, data.GetProperty("connections").GetProperty("total").GetInt32());
        Assert.Equal(1, data.GetProperty("connections").GetProperty("byState").EnumerateObject().Sum(s => s.Value.GetInt32()));
        var room = Assert.Single(data.GetProperty("rooms").EnumerateArray());
        Assert.Equal("lobby", room.GetProperty("roomId").GetString());
        Assert.Equal(["alice"], room.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        var totals = data.GetProperty("totals");
        Assert.True(totals.GetProperty("frames.received").GetInt64() >= 2, "auth and join counted");
        Assert.Equal(1, totals.GetProperty("frames.received:join").GetInt64());
        Assert.Equal(1, totals.GetProperty("connections.opened").GetInt64());

        // Not on the sidecar's port.
        using var sidecarSide = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.InternalPort}") };
        Assert.Equal(HttpStatusCode.NotFound, (await sidecarSide.GetAsync("/ops/data", ct)).StatusCode);
    }

    [Fact]
    public async Task Outside_Development_there_are_no_pages_and_no_ops_data()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Edge:PagesPath"] = _pages, ["environment"] = "Production", ["Auth:Audience"] = "gateway", ["Auth:Issuer"] = "tests" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ops/data", ct)).StatusCode);
        // The environment did change: the Development-only token endpoint is gone too.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dev/token?user=zoe", ct)).StatusCode);
    }

    [Fact]
    public async Task Without_a_pages_path_there_are_no_pages_and_no_ops_data()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ops/data", ct)).StatusCode);
    }

    [Fact]
    public async Task A_pages_path_that_is_not_built_says_how_to_build_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Edge:PagesPath"] = Path.Combine(_pages, "missing") });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        var answer = await http.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Contains("npm run build", await answer.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
