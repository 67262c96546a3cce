using Suite.Presence.Memory;
using Suite.Presence.State;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.Users;

/// <summary>
/// Writes users' records. While this process is sure it is the only writer, the record comes from
/// memory (or, for a user memory does not hold, from the store) and the write is one unconditional
/// transaction; otherwise the record is read from the store and the transaction is guarded by its
/// ETag. Either way the index slots of the change go in the same transaction, and memory follows.
/// </summary>
public sealed class UserRecords(StateStore store, PresenceMemory memory)
{
    private const string Kind = "user";

    /// <summary>
    /// Applies <paramref name="change"/> until a write wins. It runs once per attempt on a fresh copy,
    /// so it must derive everything it reports from the record it is given.
    /// </summary>
    internal async Task<TOutcome> UpdateAsync<TOutcome>(string userId, Func<UserRecord, UserChange<TOutcome>> change, CancellationToken cancellationToken)
    {
        var key = StateKeys.User(userId);
        using var turn = await store.TurnAsync(key, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var sure = memory.IsSure;
            var (record, etag) = sure && memory.User(userId) is { } known ? (known.Copy(), null) : await ReadAsync(key, cancellationToken);
            var decided = change(record);
            if (!decided.Write)
            {
                return decided.Outcome;
            }

            if (await TryWriteAsync(key, record, sure ? null : etag, decided.With, cancellationToken))
            {
                memory.Remember(userId, record);
                return decided.Outcome;
            }

            await store.ConflictAsync(key, Kind, attempt, cancellationToken);
        }
    }

    private async Task<(UserRecord Record, string? ETag)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var (value, etag) = await store.ReadAsync<UserRecord>(key, cancellationToken);
        return (value ?? new UserRecord(), etag);
    }

    /// <param name="etag">Null: unconditional (this process is the only writer). "": the record must still be missing.</param>
    private async Task<bool> TryWriteAsync(string key, UserRecord record, string? etag, IReadOnlyList<StateChange> with, CancellationToken cancellationToken)
    {
        try
        {
            if (etag is null)
            {
                return await TryWriteAloneAsync(key, record, with, cancellationToken);
            }

            if (etag == "")
            {
                // A transaction cannot create "only if missing" (StateChange), so the slots go first
                // (an ending lease must find the connection) and the record is created on its own.
                await store.TransactAsync(with, cancellationToken);
                return await store.TryWriteAsync(key, record, "", cancellationToken);
            }

            await store.TransactAsync([.. with, StateChange.Upsert(key, record, etag)], cancellationToken);
            return true;
        }
        catch (StateTransactionFailedException)
        {
            // Most likely another replica wrote the record; on Redis the slots may have landed, which
            // is harmless: the retry writes the same slots, and a slot without its connection is skipped.
            return false;
        }
    }

    private async Task<bool> TryWriteAloneAsync(string key, UserRecord record, IReadOnlyList<StateChange> with, CancellationToken cancellationToken)
    {
        try
        {
            await store.TransactAsync([.. with, StateChange.Upsert(key, record)], cancellationToken);
            return true;
        }
        catch (StateTransactionFailedException)
        {
            // A record created with first-write (by a replica that was not sure) refuses every write
            // without its etag on state.redis. Replace it once by a plain key under its etag: on a
            // mismatch Redis fails the delete, and then the upsert too, as the key keeps first-write.
            var (_, etag) = await store.ReadAsync<UserRecord>(key, cancellationToken);
            try
            {
                await store.TransactAsync([.. with, StateChange.Delete(key, etag), StateChange.Upsert(key, record)], cancellationToken);
                return true;
            }
            catch (StateTransactionFailedException)
            {
                memory.Doubt();
                return false;
            }
        }
    }
}
