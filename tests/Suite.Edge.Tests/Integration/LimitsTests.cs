using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Integration;

public sealed class LimitsTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(
        TestContext.Current.CancellationToken,
        new Dictionary<string, string>
        {
            ["Connections:MessagesPerSecond"] = "5",
            ["Connections:RateLimitStrikes"] = "10",
            ["Connections:MaxFrameBytes"] = "1024",
        });

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Frames_over_the_rate_get_rate_limited_errors_and_the_budget_refills_each_second()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + _edge.Token("alice"));
        await client.ReceiveAsync("auth:ok", ct);

        for (var i = 0; i < 6; i++)
        {
            await client.SendAsync(new { type = "ping" }, ct);
        }

        var replies = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var frame = await client.ReceiveAsync(ct);
            replies.Add(frame.GetProperty("type").GetString() == "error" ? frame.GetProperty("code").GetString()! : frame.GetProperty("type").GetString()!);
        }

        Assert.Equal(5, replies.Count(r => r == "pong"));
        Assert.Equal(1, replies.Count(r => r == "rate_limited"));

        _edge.Time.Advance(TimeSpan.FromSeconds(1));
        await Suite.Testing.Eventually.UntilAsync(
            async () =>
            {
                await client.SendAsync(new { type = "ping" }, ct);
                return (await client.ReceiveAsync(ct)).GetProperty("type").GetString();
            },
            type => type == "pong",
            TimeSpan.FromSeconds(5),
            ct,
            "the budget refills on the next tick");
    }

    [Fact]
    public async Task Sustained_flooding_closes_the_connection_with_1008()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + _edge.Token("mallory"));
        await client.ReceiveAsync("auth:ok", ct);

        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(new { type = "ping" }, ct);
        }

        var (code, _, frames) = await client.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.PolicyViolation, code);
        Assert.Contains(frames, f => f.GetProperty("type").GetString() == "error");
    }

    [Fact]
    public async Task Oversized_frame_closes_the_connection_with_1009()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + _edge.Token("alice"));
        await client.ReceiveAsync("auth:ok", ct);

        await client.SendAsync(new { type = "message", roomId = "r", content = new string('x', 5000) }, ct);

        var (code, _, _) = await client.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.MessageTooBig, code);
    }

    [Fact]
    public async Task Fragmented_message_past_the_size_limit_closes_with_1009_without_waiting_for_its_end()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        await client.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token("alice"), RawClient.NewKey()), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        Assert.Contains("auth:ok", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);

        // 1,500 bytes in three fragments against the 1,024-byte limit, and no final fragment: a
        // message that never ends. Each fragment alone is well under the limit.
        var fragment = new byte[500];
        fragment.AsSpan().Fill((byte)'x');
        await client.SendAsync([.. RawClient.Frame(1, fin: false, fragment), .. RawClient.Frame(0, fin: false, fragment), .. RawClient.Frame(0, fin: false, fragment)], ct);

        var (opcode, payload) = await client.ReadFrameAsync(ct);
        Assert.Equal(8, opcode);
        Assert.Equal(CloseCodes.MessageTooBig, (payload[0] << 8) | payload[1]);
    }
}
