using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

/// <summary>Many edges joining and sending at once lose no update: ETags with retries, on both stores.</summary>
public abstract class ConcurrencyTests(RedisFixture redis, StateKind state) : IAsyncLifetime
{
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(
        redis, state, TestContext.Current.CancellationToken, new Dictionary<string, string> { ["Rooms:MemberShards"] = "4" });

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task Parallel_joins_from_many_edges_are_all_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");
        var edges = Enumerable.Range(0, 6).Select(i => RoomHost.NewId($"e{i}")).ToList();
        // 60 users, 10 per edge, and 20 of them with a second device on another edge: 80 connections.
        var joins = Enumerable.Range(0, 60).Select(i => (User: $"u{i:D2}", Edge: edges[i % 6], Connection: $"c{i}"))
            .Concat(Enumerable.Range(0, 20).Select(i => (User: $"u{i:D2}", Edge: edges[(i + 1) % 6], Connection: $"c{i}-phone")))
            .ToList();

        var responses = await Task.WhenAll(joins.Select(j => _room.JoinAsync(room, j.User, j.Edge, j.Connection, ct)));

        Assert.Equal(60, responses.Count(r => r.UserJoined));
        var index = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
        Assert.Equal(80, index.Edges.Sum(e => e.Connections));
        Assert.Equal(edges.Order(StringComparer.Ordinal), index.Edges.Select(e => e.EdgeId));
        foreach (var edge in edges)
        {
            Assert.Equal(joins.Count(j => j.Edge == edge), index.Edges.Single(e => e.EdgeId == edge).Connections);
        }

        var members = new List<RoomMember>();
        var token = "";
        long count = 0;
        do
        {
            var page = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room, PageSize = 25, PageToken = token }, cancellationToken: ct);
            members.AddRange(page.Members);
            token = page.NextPageToken;
            count = page.MemberCount;
        }
        while (token.Length > 0);

        Assert.Equal(60, count);
        Assert.Equal(60, members.Select(m => m.UserId).Distinct().Count());
        Assert.Equal(80, members.Sum(m => m.Connections));

        // Leaving in parallel brings every count back to zero.
        await Task.WhenAll(joins.Select(j => _room.Client.LeaveAsync(new LeaveRequest { RoomId = room, UserId = j.User, EdgeId = j.Edge, ConnectionId = j.Connection }, cancellationToken: ct).ResponseAsync));
        var after = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
        var empty = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct);
        Assert.Empty(after.Edges);
        Assert.Equal(0, empty.MemberCount);
        Assert.Empty(empty.Members);
    }

    [Fact]
    public async Task Joins_queued_while_a_commit_is_in_flight_share_transactions_and_each_gets_its_own_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");
        var edge = RoomHost.NewId("e");
        using var commits = new RoomCounter(_room, "suite.room.membership.commits");
        using var announced = new RoomCounter(_room, "suite.room.publishes");

        // 50 users, 10 of them with a second connection, and one repeated join: all sent at once.
        var joins = Enumerable.Range(0, 50).Select(i => (User: $"u{i:D2}", Connection: $"c{i}"))
            .Concat(Enumerable.Range(0, 10).Select(i => (User: $"u{i:D2}", Connection: $"c{i}-b")))
            .Append((User: "u00", Connection: "c0"))
            .ToList();
        var responses = await Task.WhenAll(joins.Select(j => _room.JoinAsync(room, j.User, edge, j.Connection, ct)));

        // A user's first connection alone reports user_joined, and only it announces user:joined.
        Assert.Equal(50, responses.Count(r => r.UserJoined));
        await Eventually.UntilAsync(() => announced.Total >= 50, TimeSpan.FromSeconds(10), ct, "50 user:joined published");
        Assert.Equal(50, announced.Total);
        // 60 changes: one transaction each would be 60; queued joins share them.
        Assert.InRange(commits.Total, 1, 59);
        var members = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room, PageSize = 100 }, cancellationToken: ct);
        Assert.Equal(50, members.MemberCount);
        Assert.Equal(60, members.Members.Sum(m => m.Connections));

        // Leaves queued together: the second connection's leave does not report the user gone, the last one does.
        var leaves = await Task.WhenAll(joins.Take(60).Select(j => _room.Client.LeaveAsync(
            new LeaveRequest { RoomId = room, UserId = j.User, EdgeId = edge, ConnectionId = j.Connection }, cancellationToken: ct).ResponseAsync));
        Assert.Equal(50, leaves.Count(l => l.UserLeft));
        Assert.Equal(0, (await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct)).MemberCount);
    }

    [Fact]
    public async Task Parallel_messages_get_every_seq_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");
        var edge = RoomHost.NewId("e");
        var senders = Enumerable.Range(0, 8).Select(i => $"s{i}").ToList();
        foreach (var sender in senders)
        {
            await _room.JoinAsync(room, sender, edge, "c-" + sender, ct);
        }

        var sent = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            _room.SendAsync(room, senders[i % 8], edge, "c-" + senders[i % 8], i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct, idempotencyKey: $"k{i}")));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), sent.Select(s => s.Seq).Order());
        var history = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 40 }, cancellationToken: ct);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), history.Messages.Select(m => m.Seq));
        Assert.Equal(40, (await _room.DeliveriesAsync(edge, "message")).Count);
    }
}

public sealed class InMemoryConcurrencyTests(RedisFixture redis) : ConcurrencyTests(redis, StateKind.InMemory);

public sealed class RedisConcurrencyTests(RedisFixture redis) : ConcurrencyTests(redis, StateKind.Redis);
