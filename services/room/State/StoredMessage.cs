using System.Text.Json.Serialization;

namespace Suite.Room.State;

// A history slot holds the message's fields; the client frame is rendered from them by the edge (and
// by GetHistory with the same writer), so no frame is stored.
internal sealed class StoredMessage
{
    public string Id { get; set; } = "";

    public ulong Seq { get; set; }

    public long Timestamp { get; set; }

    public string UserId { get; set; } = "";

    public string ContentJson { get; set; } = "";

    // Records written before the edge rendered frames hold the frame as it was fanned out; it is
    // still returned by GetHistory verbatim. New records leave it out.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Json { get; set; }
}
