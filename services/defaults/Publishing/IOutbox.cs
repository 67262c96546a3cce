namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// Where a service keeps events it must publish, written in the same state write as the change they
/// report (so a change is never stored without its event, nor an event sent for a change that was
/// not stored). Read and emptied by an <see cref="OutboxRelay"/>.
/// </summary>
public interface IOutbox
{
    /// <summary>Every event not yet removed, oldest first: the order they must be published in.</summary>
    Task<IReadOnlyList<OutboxEvent>> PendingAsync(CancellationToken cancellationToken);

    /// <summary>Removes published events; ids no longer present are ignored.</summary>
    Task RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
}
