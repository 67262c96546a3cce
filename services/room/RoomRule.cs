namespace Suite.Room;

/// <summary>
/// A join rule: rooms whose id starts with <see cref="Prefix"/> need the token claim
/// <see cref="RequiredClaim"/>, equal to (or, for an array claim, containing) <see cref="RequiredValue"/>
/// when that is set, or merely present and not empty, false or null otherwise.
/// </summary>
public sealed class RoomRule
{
    public string Prefix { get; set; } = "";

    public string RequiredClaim { get; set; } = "";

    public string? RequiredValue { get; set; }
}
