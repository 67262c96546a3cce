using System.Security.Cryptography;
using System.Text;
using Dapr;
using Microsoft.Extensions.Options;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults.State;

namespace Suite.Notification.Inbox;

/// <summary>
/// The users' inboxes in the Dapr state store, one key per user, each change an ETag-checked
/// read-modify-write (<see cref="StateStore.UpdateAsync"/>), the key expiring with its last item.
/// </summary>
public sealed partial class InboxStore(StateStore state, IOptions<NotificationOptions> options, TimeProvider time, NotificationMetrics metrics, ILogger<InboxStore> logger)
{
    // Users written at once for one event: enough to hide the store's round trips, few enough not to
    // flood the sidecar with a 10,000-user event.
    private const int Parallelism = 16;

    /// <summary>Stores the item in every user's inbox (a repeat of its id changes nothing).</summary>
    /// <exception cref="UpstreamUnavailableException">The store failed or stayed contended; nothing is promised yet, retry.</exception>
    public async Task AddAsync(IEnumerable<string> userIds, InboxEntry entry, CancellationToken cancellationToken)
    {
        var max = options.Value.InboxMaxItems;
        try
        {
            await Parallel.ForEachAsync(
                userIds.Distinct(StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (user, ct) =>
                {
                    var now = time.GetUtcNow();
                    var change = await UpdateAsync(user, current => InboxRules.Add(current, entry, now, max), ct);
                    if (change.Changed)
                    {
                        metrics.InboxItemsStored.Add(1);
                    }

                    foreach (var dropped in change.Dropped)
                    {
                        metrics.InboxItemsDropped.Add(1);
                        LogDropped(logger, dropped.Id, user, max);
                    }
                });
        }
        catch (Exception e) when (e is DaprException or StateContentionException && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"the inbox could not be stored: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>The user's pending items, oldest first.</summary>
    public async Task<IReadOnlyList<InboxEntry>> PendingAsync(string userId, CancellationToken cancellationToken) =>
        InboxRules.Pending(await state.GetAsync<InboxRecord>(Key(userId), cancellationToken), time.GetUtcNow());

    /// <summary>Removes the acked ids; returns how many items were removed.</summary>
    public async Task<int> RemoveAsync(string userId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var change = await UpdateAsync(userId, current => InboxRules.Remove(current, ids, now, options.Value.InboxMaxItems), cancellationToken);
        return change.Removed;
    }

    private async Task<InboxChange> UpdateAsync(string userId, Func<InboxRecord?, InboxChange> rule, CancellationToken cancellationToken)
    {
        // The change of the attempt that was written: each attempt overwrites it.
        InboxChange last = new(null, false, 0, []);
        await state.UpdateAsync<InboxRecord>(
            Key(userId),
            "inbox",
            current =>
            {
                last = rule(current);
                return (last.Next, last.Changed);
            },
            cancellationToken,
            ttlOf: record => InboxRules.Lifetime(record, time.GetUtcNow()));
        return last;
    }

    // Hashed: user ids are free text, and Dapr refuses keys containing "||".
    private static string Key(string userId) => "notification-inbox-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)));

    [LoggerMessage(20, LogLevel.Warning, "Inbox of {UserId} is full ({Max} items): dropped its oldest item {EventId}")]
    private static partial void LogDropped(ILogger logger, string eventId, string userId, int max);
}
