using System.Net;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

public sealed class ReadinessTests(RedisFixture redis)
{
    [Fact]
    public async Task The_room_is_ready_only_while_its_sidecar_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.InMemory, ct);
        using var http = new HttpClient { BaseAddress = room.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), ct, "/readyz passes with the sidecar up");

        await room.StopSidecarAsync();

        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, status => status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), ct, "/readyz fails with the sidecar down");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", ct)).StatusCode);
    }
}
