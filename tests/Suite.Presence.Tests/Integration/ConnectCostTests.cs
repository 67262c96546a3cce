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
        await using var presence = await StartAloneWithEdgeAAsync(ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => presence.ConnectAsync($"warm-{i}", "edge-a", $"warm-{i}", ct)));

        var few = await BytesPerConnectAsync(presence, "few", ct);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => presence.ConnectAsync($"bulk-{i}", "edge-a", $"bulk-{i}", ct)));
        var many = await BytesPerConnectAsync(presence, "many", ct);

        // The old layout rewrote a shard of the edge's index per connect: ~90 bytes per connection on
        // the edge / 16 shards, about 3 KB more per connect at 540 connections than at 20.
        Assert.True(many < few * 1.3, $"{many:F0} bytes per connect beside 540 connections, {few:F0} beside 20");
        Assert.Equal(541, (await presence.LookupAsync(ct, [.. Enumerable.Range(0, 500).Select(i => $"bulk-{i}"), .. Enumerable.Range(0, Sample).Select(i => $"many-{i}"), .. Enumerable.Range(0, Sample).Select(i => $"few-{i}"), "warm-0"])).Count);
    }

    [Fact]
    public async Task Another_device_of_an_online_user_connects_with_one_transaction_and_no_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await StartAloneWithEdgeAAsync(ct);
        for (var i = 0; i < Sample; i++)
        {
            await presence.ConnectAsync($"user-{i}", "edge-a", $"phone-{i}", ct);
        }

        var before = await CommandCallsAsync(presence);
        for (var i = 0; i < Sample; i++)
        {
            await presence.ConnectAsync($"user-{i}", "edge-a", $"tablet-{i}", ct);
        }

        var after = await CommandCallsAsync(presence);
        // A state transaction is one Lua script in Redis (EVALSHA; EVAL the first time), and so is a
        // single write: the replica's own lease renewal (every second) may add one or two.
        var scripts = Delta("evalsha") + Delta("eval");
        Assert.InRange(scripts, Sample, Sample + 2);
        // The replica's own renewal (every second) reads one key; a connect that read would add 20.
        Assert.True(Delta("hgetall") <= 2, "connects read the store");
        Assert.Equal(2, (await presence.GetAsync("user-0", ct)).Connections.Count);

        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
    }

    /// <summary>A lone replica over Redis with a lease for edge-a, answering from memory.</summary>
    private static async Task<PresenceHost> StartAloneWithEdgeAAsync(CancellationToken cancellationToken)
    {
        var presence = await PresenceHost.StartAsync(StateKind.Redis, cancellationToken);
        try
        {
            await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromMinutes(5), cancellationToken);
            await presence.WaitUntilAnsweringFromMemoryAsync(cancellationToken);
            return presence;
        }
        catch
        {
            await presence.DisposeAsync();
            throw;
        }
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

    private static async Task<Dictionary<string, long>> CommandCallsAsync(PresenceHost presence)
    {
        var stats = (string)(await presence.Redis.ExecuteAsync("INFO", "commandstats"))!;
        return stats.Split('\n')
            .Where(line => line.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(
                line => line["cmdstat_".Length..line.IndexOf(':', StringComparison.Ordinal)],
                line => long.Parse(line.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture));
    }

    private static async Task<long> InputBytesAsync(PresenceHost presence)
    {
        var stats = (string)(await presence.Redis.ExecuteAsync("INFO", "stats"))!;
        var line = stats.Split('\n').Single(l => l.StartsWith("total_net_input_bytes:", StringComparison.Ordinal));
        return long.Parse(line["total_net_input_bytes:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
