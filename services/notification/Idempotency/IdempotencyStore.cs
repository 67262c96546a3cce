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
/// <remarks>
/// Two deliveries of one id at once (a broker redelivery while the first is still in flight, a
/// publisher's retry after a timeout, on any replica) would both find no record and both publish, so
/// a publish first claims the id: a first-write key of its own, which only one of them can create.
/// The claim expires after <see cref="NotificationOptions.PublishClaimTimeout"/>, so a replica that
/// dies holding it delays the event's retry rather than losing it. It is a separate key because the
/// store refuses a write without an etag to a key created first-write, and the accepted record
/// is written without one.
/// </remarks>
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

    /// <summary>False when another delivery of the id holds the claim.</summary>
    public async Task<bool> TryClaimAsync(string eventId, CancellationToken cancellationToken)
    {
        try
        {
            return await state.TryWriteAsync(ClaimKey(eventId), new AcceptedRecord(0), "", cancellationToken, ttl: options.Value.PublishClaimTimeout);
        }
        catch (DaprException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"the state store failed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>Gives the claim back after a failed publish, so the retry need not wait for it to expire.</summary>
    public Task ReleaseAsync(string eventId, CancellationToken cancellationToken) =>
        state.DeleteAsync(ClaimKey(eventId), cancellationToken);

    public Task RecordAsync(string eventId, AcceptedRecord record, CancellationToken cancellationToken) =>
        state.SaveAsync(Key(eventId), record, cancellationToken, ttl: options.Value.IdempotencyWindow);

    // Hashed: ids are free text, and Dapr refuses keys containing "||".
    private static string Key(string eventId) => "notification-id-" + Hash(eventId);

    private static string ClaimKey(string eventId) => "notification-claim-" + Hash(eventId);

    private static string Hash(string eventId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
}
