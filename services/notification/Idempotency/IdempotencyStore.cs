using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Options;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults;

namespace Suite.Notification.Idempotency;

/// <summary>
/// Event ids accepted within the idempotency window, in the Dapr state store so every replica sees
/// them, expiring through the store's own TTL. The id is recorded after publishing: a crash in
/// between leads to a second publish of the same message id, which edges and clients drop, while
/// recording first could lose an event whose publish then failed.
/// </summary>
public sealed class IdempotencyStore(DaprClient dapr, IOptions<NotificationOptions> options)
{
    public async Task<AcceptedRecord?> FindAsync(string eventId, CancellationToken cancellationToken)
    {
        try
        {
            return await dapr.GetStateAsync<AcceptedRecord?>(DaprNames.StateStore, Key(eventId), cancellationToken: cancellationToken);
        }
        catch (DaprException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"the state store failed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    public Task RecordAsync(string eventId, AcceptedRecord record, CancellationToken cancellationToken)
    {
        var ttl = Math.Max(1, (long)Math.Ceiling(options.Value.IdempotencyWindow.TotalSeconds));
        var metadata = new Dictionary<string, string> { ["ttlInSeconds"] = ttl.ToString(CultureInfo.InvariantCulture) };
        return dapr.SaveStateAsync(DaprNames.StateStore, Key(eventId), record, metadata: metadata, cancellationToken: cancellationToken);
    }

    // Hashed: ids are free text, and Dapr refuses keys containing "||".
    private static string Key(string eventId) =>
        "notification-id-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
}
