using System.Globalization;

namespace Suite.Presence.Tests.Integration;

/// <summary>What a connect costs the store, measured on the Redis behind state.redis.</summary>
public sealed class ConnectCostTests
{
    private const int Sample = 20;

    [Fact]
    public async Task Bytes_written_per_connect_do_not_grow_with_the_connections_on_the_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.Redis, ct);
        await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromMinutes(5), ct);
        await presence.WaitUntilAnsweringFromMemoryAsync(ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => presence.ConnectAsync($"warm-{i}", "edge-a", $"warm-{i}", ct)));

        var few = await BytesPerConnectAsync(presence, "few", ct);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => presence.ConnectAsync($"bulk-{i}", "edge-a", $"bulk-{i}", ct)));
        var many = await BytesPerConnectAsync(presence, "many", ct);

        // The old layout rewrote a shard of the edge's index per connect: ~90 bytes per connection on
        // the edge / 16 shards, about 3 KB more per connect at 540 connections than at 20.
        Assert.True(many < few * 1.3, $"{many:F0} bytes per connect beside 540 connections, {few:F0} beside 20");
        Assert.Equal(541, (await presence.LookupAsync(ct, [.. Enumerable.Range(0, 500).Select(i => $"bulk-{i}"), .. Enumerable.Range(0, Sample).Select(i => $"many-{i}"), .. Enumerable.Range(0, Sample).Select(i => $"few-{i}"), "warm-0"])).Count);
    }

    /// <summary>Bytes Redis received per connect of a new user (state writes and the online event), connects one at a time.</summary>
    private static async Task<double> BytesPerConnectAsync(PresenceHost presence, string prefix, CancellationToken cancellationToken)
    {
        var before = await InputBytesAsync(presence);
        for (var i = 0; i < Sample; i++)
        {
            await presence.ConnectAsync($"{prefix}-{i}", "edge-a", $"{prefix}-{i}", cancellationToken);
        }

        return (await InputBytesAsync(presence) - before) / (double)Sample;
    }

    private static async Task<long> InputBytesAsync(PresenceHost presence)
    {
        var stats = (string)(await presence.Redis.ExecuteAsync("INFO", "stats"))!;
        var line = stats.Split('\n').Single(l => l.StartsWith("total_net_input_bytes:", StringComparison.Ordinal));
        return long.Parse(line["total_net_input_bytes:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
