using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Room.V1;
using Suite.Room.Membership;

namespace Suite.Room.Tests.Membership;

/// <summary>
/// The room.lifecycle event as the room writes it is the event protobuf's formatter writes: the same
/// JSON document (names, value forms, fields left out) and the same event for a proto3 JSON reader.
/// </summary>
public sealed class RoomLifecycleJsonTests
{
    private static readonly RoomLifecycleEvent[] Events =
    [
        Event(),
        Event(e => e.Kind = RoomLifecycleKind.Left),
        Event(e => e.Reason = RoomLifecycleEvents.EdgeLeaseExpired),
        Event(e => e.UserChanged = false),
        Event(e => e.Version = 0),
        Event(e => e.Version = ulong.MaxValue),
        Event(e => e.EdgeId = ""),
        Event(e => e.At = null),
        Event(e => e.At = new Timestamp { Seconds = 0, Nanos = 0 }),
        Event(e => e.At = new Timestamp { Seconds = 1_796_555_594, Nanos = 120_000_000 }),
        Event(e => e.At = new Timestamp { Seconds = 1_796_555_594, Nanos = 123_456_000 }),
        Event(e => e.At = new Timestamp { Seconds = 1_796_555_594, Nanos = 123_456_789 }),
        Event(e => e.At = new Timestamp { Seconds = 253_402_300_799, Nanos = 999_999_999 }),
        Event(e => e.Kind = RoomLifecycleKind.Unspecified),
        Event(e => e.Kind = (RoomLifecycleKind)7),
        Event(e => (e.RoomId, e.UserId) = ("r \"quoted\" \\ / <tag> & 'x'", "żółć 日本 🙂 \u2028 \u0001 \t\n")),
        new RoomLifecycleEvent(),
    ];

    [Fact]
    public void Each_event_is_the_document_protobufs_formatter_writes()
    {
        foreach (var e in Events)
        {
            var ours = RoomLifecycleJson.Format(e);

            var theirs = JsonFormatter.Default.Format(e);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(theirs), JsonNode.Parse(ours)), $"ours: {Encoding.UTF8.GetString(ours)}\ntheirs: {theirs}");
            Assert.Equal(e, JsonParser.Default.Parse<RoomLifecycleEvent>(Encoding.UTF8.GetString(ours)));
        }
    }

    private static RoomLifecycleEvent Event(Action<RoomLifecycleEvent>? change = null)
    {
        var e = new RoomLifecycleEvent
        {
            RoomId = "lobby",
            UserId = "alice",
            ConnectionId = "c-1f3a",
            EdgeId = "edge-0",
            Kind = RoomLifecycleKind.Joined,
            Reason = RoomLifecycleEvents.Join,
            At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 6, 11, 5, 22, 345, TimeSpan.Zero)),
            Version = 1_796_555_594_000_017,
            UserChanged = true,
        };
        change?.Invoke(e);
        return e;
    }
}
