using System.Net.Http.Json;
using System.Text.Json;
using Suite.Testing;

namespace Suite.Embedded.Tests;

/// <summary>Clients of an embedded suite, as the quick start's user makes them: a dev token, then the socket.</summary>
internal static class EmbeddedClients
{
    /// <summary>A client authenticated as <paramref name="user"/> at the upgrade, after its auth:ok.</summary>
    public static async Task<TestClient> ConnectAsync(int port, string user, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var token = (await http.GetFromJsonAsync<JsonElement>($"/dev/token?user={user}", ct)).GetProperty("token").GetString();
        var client = await TestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?access_token={token}"), ct);
        await client.ReceiveAsync("auth:ok", ct);
        return client;
    }

    /// <summary>Each of <paramref name="clients"/> joins <paramref name="roomId"/>, one after the other, each to its joined.</summary>
    public static async Task JoinAsync(string roomId, CancellationToken ct, params TestClient[] clients)
    {
        foreach (var client in clients)
        {
            await client.SendAsync(new { type = "join", roomId }, ct);
            await client.ReceiveAsync("joined", ct);
        }
    }
}
