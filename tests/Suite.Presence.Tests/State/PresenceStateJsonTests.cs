using System.Text.Json;
using Suite.Contracts.Presence.V1;
using Suite.Presence.State;
using Suite.ServiceDefaults.State;
using Suite.Testing;

namespace Suite.Presence.Tests.State;

/// <summary>Records already in stores were written by DaprClient (reflection, web defaults): the source-generated context must write and read the same bytes.</summary>
public sealed class PresenceStateJsonTests
{
    private static readonly JsonSerializerOptions Generated = StateStore.SerializerOptions(PresenceStateJson.Default);
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

    public static TheoryData<object> Records() =>
    [
        new UserRecord
        {
            Version = 9, LastSeen = Now,
            Connections =
            [
                new ConnectionRecord { ConnectionId = "c1", EdgeId = "edge-0", LeaseId = "l1", Tags = ["a", "b<>"], Region = "eu", Platform = "ios", ConnectedAt = Now, IndexKey = "presence:edge-0:3:17" },
                new ConnectionRecord { ConnectionId = "c2", EdgeId = "edge-1" },
            ],
        },
        new UserRecord(),
        new IndexEntry { UserId = "ålice", ConnectionId = "c1" },
        new IndexCount { Next = 12 },
        new EdgeRegistry
        {
            Revision = 4,
            Edges = { ["edge-0"] = new EdgeLeaseRecord { EdgeId = "edge-0", Incarnation = "i", LeaseId = "l", LeaseDuration = TimeSpan.FromSeconds(15), ExpiresAt = Now, RegisteredAt = Now, Writers = ["w1"] } },
            Retired = [new RetiredLease { EdgeId = "edge-1", Incarnation = "i0", LeaseId = "l0", Change = EdgeChange.LeaseExpired, RetiredAt = Now, Writers = ["w2"] }],
        },
        new ReplicaSet { Live = { ["w1"] = Now }, Joins = 2 },
    ];

    [Theory]
    [MemberData(nameof(Records))]
    public void Each_stored_record_is_written_byte_for_byte_as_before_and_reads_back(object record)
    {
        var (before, now, readBack) = StoredJson.Write(record, Generated);

        Assert.Equal(before, now);
        Assert.Equal(before, readBack);
    }

    [Fact]
    public void A_connection_indexed_by_count_key_and_slot_is_stored_with_its_whole_slot_key()
    {
        var countKey = StateKeys.IndexCount("lease-1", "writer-1", 3);
        var indexed = new ConnectionRecord { ConnectionId = "c1", EdgeId = "edge-0", LeaseId = "lease-1", IndexKey = "stale" };
        indexed.IndexedIn(countKey, 17);
        var spelled = new ConnectionRecord { ConnectionId = "c1", EdgeId = "edge-0", LeaseId = "lease-1", IndexKey = "presence:index:lease-1:writer-1:3:17" };

        Assert.Equal("presence:index:lease-1:writer-1:3:17", indexed.IndexKey);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(spelled, Generated), JsonSerializer.SerializeToUtf8Bytes(indexed, Generated));
        var readBack = JsonSerializer.Deserialize<ConnectionRecord>(JsonSerializer.SerializeToUtf8Bytes(indexed, Generated), Generated)!;
        Assert.Equal("presence:index:lease-1:writer-1:3:17", readBack.IndexKey);

        indexed.IndexKey = "";
        Assert.Equal("", indexed.IndexKey);
    }
}
