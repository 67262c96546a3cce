using System.Text.Json;

namespace Suite.Edge.Protocol;

// What one top-level property of a client frame held. Frames are read in one pass before their
// `type` is known (clients may put `type` anywhere), so every known field is captured this way and
// judged afterwards against what the type requires. Integer is set for a number that is a
// non-negative integer in range (no fraction, no exponent), the only numbers the protocol takes.
internal readonly record struct FieldValue(
    JsonTokenType Token,
    string? Text = null,
    bool Duplicate = false,
    bool TooLong = false,
    bool InvalidText = false,
    int RawStart = 0,
    int RawLength = 0,
    ulong? Integer = null)
{
    public bool IsPresent => Token != JsonTokenType.None;
}
