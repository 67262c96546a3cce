using Suite.Contracts.Presence.V1;
using Suite.Edge.Upstream;

namespace Suite.Edge.Direct;

/// <summary>
/// The edges holding a direct message's recipient: from <see cref="RecipientCache"/> while presence
/// watches the user for this edge, else looked up (asking for the watch). What it answers after
/// presence confirmed the recipient's connect to another edge names that edge: presence waits for
/// this edge to drop the old answer before it confirms (presence.proto, "Watches").
/// </summary>
public sealed class DirectRecipients(PresenceCalls presence, RecipientCache cache, EdgeMetrics metrics)
{
    private static readonly KeyValuePair<string, object?> FromCache = new("source", "cache");
    private static readonly KeyValuePair<string, object?> FromPresence = new("source", "presence");

    public async Task<IReadOnlyList<string>> EdgesOfAsync(string userId, DateTime deadline, CancellationToken cancellationToken)
    {
        if (!cache.Enabled)
        {
            metrics.DirectRecipients.Add(1, FromPresence);
            return EdgesIn(await presence.LookupUsersAsync(new LookupUsersRequest { UserIds = { userId } }, deadline, cancellationToken));
        }

        if (cache.TryGet(userId, out var edges, out var renewSoon))
        {
            if (renewSoon)
            {
                Renew();
            }

            metrics.DirectRecipients.Add(1, FromCache);
            return edges;
        }

        metrics.DirectRecipients.Add(1, FromPresence);
        return EdgesIn(await presence.LookupUsersAsync(cache.StartLookup(userId), deadline, cancellationToken));
    }

    // In the background: the answers hold meanwhile, and the reply extends them on the stream's read loop.
    private void Renew()
    {
        if (cache.StartRenewal() is not { } call)
        {
            return;
        }

        _ = RenewAsync(call);
    }

    private async Task RenewAsync(PresenceCall call)
    {
        if (await presence.RenewWatchesAsync(call) is not { StatusCode: 0 })
        {
            cache.RenewalFailed(call);
        }
    }

    private static IReadOnlyList<string> EdgesIn(LookupUsersResponse response) =>
        response.Users.Count == 1 ? response.Users[0].EdgeIds : [.. response.Users.SelectMany(u => u.EdgeIds).Distinct(StringComparer.Ordinal)];
}
