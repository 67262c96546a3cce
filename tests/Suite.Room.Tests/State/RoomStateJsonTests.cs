using System.Text.Json;
using Suite.Room.State;
using Suite.ServiceDefaults.State;
using Suite.Testing;

namespace Suite.Room.Tests.State;

/// <summary>Records already in stores were written by DaprClient (reflection, web defaults): the source-generated context must write and read the same bytes.</summary>
public sealed class RoomStateJsonTests
{
    private static readonly JsonSerializerOptions Generated = StateStore.SerializerOptions(RoomStateJson.Default);

    public static TheoryData<object> Records() =>
    [
        new RoomHead
        {
            Seq = 42, Epoch = "e-1", Term = 3, Owner = "room-0",
            Terms = [new TermStart { Term = 2, From = 1 }, new TermStart { Term = 3, From = 40 }],
            Last = new StoredMessage { Id = "m<1>", Seq = 42, Timestamp = 1_700_000_000_000, UserId = "ålice", ContentJson = "{\"text\":\"hi & bye\"}" },
        },
        new StoredMessage { Id = "m2", Seq = 7, Timestamp = 5, UserId = "bob", ContentJson = "{}", Json = "{\"type\":\"message\"}" },
        new IdempotencyRecord { MessageId = "m3", Timestamp = -1, Seq = ulong.MaxValue, Term = long.MaxValue },
        new RoomUser { JoinedAt = new DateTimeOffset(2026, 12, 5, 11, 0, 0, TimeSpan.FromHours(2)), Connections = { ["c1"] = "edge-0", ["c2"] = "edge-1" } },
        new MemberShard { Users = ["alice", "bob"] },
        new EdgeIndex { Edges = { ["edge-0"] = 2, ["edge-1"] = 1 }, Users = 3 },
        new EdgeRecord { Incarnation = "i-1", Rooms = { "r1", "r2" }, Channels = { "ch" } },
        new ChannelConnection { EdgeId = "edge-0", UserId = "alice" },
        new ReplicaRecord { Address = "http://10.0.0.5:5102" },
    ];

    [Theory]
    [MemberData(nameof(Records))]
    public void Each_stored_record_is_written_byte_for_byte_as_before_and_reads_back(object record)
    {
        var (before, now, readBack) = StoredJson.Write(record, Generated);

        Assert.Equal(before, now);
        Assert.Equal(before, readBack);
    }
}
