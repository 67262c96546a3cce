namespace Suite.Room.State;

/// <summary>A live room replica (kept with a TTL of the owner lease): where to forward calls for its rooms.</summary>
internal sealed class ReplicaRecord
{
    public string Address { get; set; } = "";
}
