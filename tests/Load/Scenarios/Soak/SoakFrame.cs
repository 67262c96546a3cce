using System.Text.Json;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// The top-level fields of a server frame the soak reads: the resume fields of <c>joined</c>
/// (<c>seq</c>, <c>epoch</c>, <c>recovered</c>, <c>missed</c>), a message's <c>seq</c> and content,
/// an acknowledged notification's <c>id</c> and <c>ack</c>, an error's <c>code</c> and <c>ref</c>.
/// </summary>
internal readonly record struct SoakFrame(
    string? Type, string? Id, string? Ref, string? RoomId, ulong? Seq, string? Epoch, bool? Recovered, int? Missed, string? Content, bool Ack, string? Code)
{
    public static SoakFrame Read(ReadOnlySpan<byte> utf8)
    {
        string? type = null, id = null, reference = null, room = null, epoch = null, content = null, code = null;
        ulong? seq = null;
        bool? recovered = null;
        int? missed = null;
        var ack = false;
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var name = reader.GetString();
                reader.Read();
                switch (name, reader.TokenType)
                {
                    case ("type", JsonTokenType.String): type = reader.GetString(); break;
                    case ("id", JsonTokenType.String): id = reader.GetString(); break;
                    case ("ref", JsonTokenType.String): reference = reader.GetString(); break;
                    case ("roomId", JsonTokenType.String): room = reader.GetString(); break;
                    case ("epoch", JsonTokenType.String): epoch = reader.GetString(); break;
                    case ("content", JsonTokenType.String): content = reader.GetString(); break;
                    case ("code", JsonTokenType.String): code = reader.GetString(); break;
                    case ("seq", JsonTokenType.Number) when reader.TryGetUInt64(out var s): seq = s; break;
                    case ("missed", JsonTokenType.Number) when reader.TryGetInt32(out var m): missed = m; break;
                    case ("recovered", JsonTokenType.True or JsonTokenType.False): recovered = reader.GetBoolean(); break;
                    case ("ack", JsonTokenType.True): ack = true; break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (JsonException)
        {
            // A frame cut at the client's receive buffer: what was read stands.
        }

        return new SoakFrame(type, id, reference, room, seq, epoch, recovered, missed, content, ack, code);
    }
}
