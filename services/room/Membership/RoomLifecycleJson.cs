using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Suite.Contracts.Room.V1;

namespace Suite.Room.Membership;

/// <summary>
/// A <see cref="RoomLifecycleEvent"/> in the proto3 JSON mapping, written directly: the same fields,
/// names and value forms as protobuf's <c>JsonFormatter.Default</c> (default values left out, the enum
/// by name, <c>version</c> as a string, <c>at</c> in RFC 3339 with 0, 3, 6 or 9 fraction digits), so any
/// proto3 JSON reader gets the same event. Only the whitespace (none here) and the escaping of a few
/// characters may differ. The room writes one per membership change inside the room's turn, where the generic
/// formatter was ~9 % of the room's CPU per join (docs/benchmarks.md, "Joins").
/// </summary>
internal static class RoomLifecycleJson
{
    // Escapes quotes, backslashes and control characters only, like protobuf's formatter: names and
    // reasons stay readable in the broker (the output never goes into HTML).
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Format(RoomLifecycleEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            WriteIfSet(json, "roomId", e.RoomId);
            WriteIfSet(json, "userId", e.UserId);
            WriteIfSet(json, "connectionId", e.ConnectionId);
            WriteIfSet(json, "edgeId", e.EdgeId);
            WriteKind(json, e.Kind);

            WriteIfSet(json, "reason", e.Reason);
            if (e.At is { } at)
            {
                json.WriteString("at", Rfc3339(at.Seconds, at.Nanos));
            }

            if (e.Version != 0)
            {
                json.WriteString("version", e.Version.ToString(CultureInfo.InvariantCulture));
            }

            if (e.UserChanged)
            {
                json.WriteBoolean("userChanged", true);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0)
        {
            json.WriteString(name, value);
        }
    }

    // By name; a value the contract does not name goes out as its number, as protobuf's formatter writes it.
    private static void WriteKind(Utf8JsonWriter json, RoomLifecycleKind kind)
    {
        switch (kind)
        {
            case RoomLifecycleKind.Unspecified:
                return;
            case RoomLifecycleKind.Joined:
                json.WriteString("kind", "ROOM_LIFECYCLE_KIND_JOINED");
                return;
            case RoomLifecycleKind.Left:
                json.WriteString("kind", "ROOM_LIFECYCLE_KIND_LEFT");
                return;
            default:
                json.WriteNumber("kind", (int)kind);
                return;
        }
    }

    // Google.Protobuf's Timestamp JSON: whole seconds, then as few of 3, 6 or 9 fraction digits as hold the nanos.
    private static string Rfc3339(long seconds, int nanos)
    {
        var whole = DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        var fraction = nanos == 0 ? ""
            : nanos % 1_000_000 == 0 ? "." + (nanos / 1_000_000).ToString("d3", CultureInfo.InvariantCulture)
            : nanos % 1_000 == 0 ? "." + (nanos / 1_000).ToString("d6", CultureInfo.InvariantCulture)
            : "." + nanos.ToString("d9", CultureInfo.InvariantCulture);
        return whole + fraction + "Z";
    }
}
