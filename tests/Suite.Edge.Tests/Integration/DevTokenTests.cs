using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Suite.Edge.Tests.Integration;

public sealed class DevTokenTests
{
    [Fact]
    public async Task Development_token_endpoint_issues_a_token_the_edge_accepts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        var issued = await http.GetFromJsonAsync<JsonElement>("/dev/token?user=zoe", ct);
        await using var client = await edge.ConnectAsync(ct, query: "access_token=" + issued.GetProperty("token").GetString());

        Assert.Equal("zoe", (await client.ReceiveAsync("auth:ok", ct)).GetProperty("userId").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/dev/token", ct)).StatusCode);
    }
}
