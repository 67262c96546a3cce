using System.Net.Http.Json;
using System.Text.Json;
using Suite.Testing;

namespace Suite.Embedded.Tests;

/// <summary>The README's first command: every service in one process over in-memory components.</summary>
public sealed class EmbeddedSuiteTests
{
    [Fact]
    public async Task Embedded_suite_carries_a_room_message_and_a_direct_message_end_to_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        await using var suite = await EmbeddedSuite.StartAsync(port, ct);
        await using var alice = await ConnectAsync(port, "alice", ct);
        await using var bob = await ConnectAsync(port, "bob", ct);
        foreach (var client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = "lobby" }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await alice.SendAsync(new { type = "message", roomId = "lobby", content = "hi bob" }, ct);
        await alice.SendAsync(new { type = "direct", to = "bob", content = "psst" }, ct);

        var message = await bob.ReceiveAsync("message", ct);
        Assert.Equal("hi bob", message.GetProperty("content").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
        Assert.Equal("psst", (await bob.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
    }

    private static async Task<TestClient> ConnectAsync(int port, string user, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var token = (await http.GetFromJsonAsync<JsonElement>($"/dev/token?user={user}", ct)).GetProperty("token").GetString();
        var client = await TestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?access_token={token}"), ct);
        await client.ReceiveAsync("auth:ok", ct);
        return client;
    }
}
