using System.Text.RegularExpressions;
using StackExchange.Redis;
using Suite.LocalServers;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// Makes the Redis behind pubsub.redis refuse publishes while it stays up (maxmemory 1 byte with
/// noeviction: XADD answers OOM at once, reads still work), and counts the refusals from the
/// broker's side, so a test sees a publish was tried whichever version of presence made it.
/// </summary>
public sealed partial class BrokerFaults(IConnectionMultiplexer admin, RedisServer broker) : IAsyncDisposable
{
    public static async Task<BrokerFaults> ConnectAsync(RedisServer broker) =>
        new(await ConnectionMultiplexer.ConnectAsync(broker.ConnectionString + ",allowAdmin=true"), broker);

    public Task RefusePublishesAsync() => Server.ConfigSetAsync("maxmemory", "1");

    public Task AcceptPublishesAsync() => Server.ConfigSetAsync("maxmemory", "0");

    /// <summary>Stream appends (publishes) the broker refused since it started.</summary>
    public async Task<long> RefusedPublishesAsync()
    {
        var stats = await Server.InfoRawAsync("commandstats");
        return RejectedAppends().Match(stats ?? "") is { Success: true } match ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public ValueTask DisposeAsync() => admin.DisposeAsync();

    private IServer Server => admin.GetServer(broker.ConnectionString);

    [GeneratedRegex(@"^cmdstat_xadd:.*\brejected_calls=(\d+)", RegexOptions.Multiline)]
    private static partial Regex RejectedAppends();
}
