namespace Suite.Room.State;

internal sealed class MemberShard
{
    /// <summary>Ordinal order, so pages continue after a user id.</summary>
    public List<string> Users { get; set; } = [];
}
