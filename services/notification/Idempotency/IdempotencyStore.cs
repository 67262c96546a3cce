using System.Security.Cryptography;
using System.Text;
using Dapr;
using Microsoft.Extensions.Options;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults.State;

namespace Suite.Notification.Idempotency;

/// <summary>
/// Event ids accepted within the idempotency window, in the Dapr state store so every replica sees
/// them, expiring through the store's own TTL. The id is recorded after publishing: a crash in
/// between leads to a second publish of the same message id, which edges and clients drop, while
/// recording first could lose an event whose publish then failed.
/// </summary>
public sealed class IdempotencyStore(StateStore state, IOptions<NotificationOptions> options)
{
    public async Task<AcceptedRecord?> FindAsync(string eventId, CancellationToken cancellationToken)
    {
        try
        {
            return await state.GetAsync<AcceptedRecord>(Key(eventId), cancellationToken);
        }
        catch (DaprException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"the state store failed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    public Task RecordAsync(string eventId, AcceptedRecord record, CancellationToken cancellationToken) =>
        state.SaveAsync(Key(eventId), record, cancellationToken, ttl: options.Value.IdempotencyWindow);

    // Hashed: ids are free text, and Dapr refuses keys containing "||".
    private static string Key(string eventId) =>
        "notification-id-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
}
