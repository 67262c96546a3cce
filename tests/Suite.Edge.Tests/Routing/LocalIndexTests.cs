using Suite.Edge.Routing;

namespace Suite.Edge.Tests.Routing;

public sealed class LocalIndexTests
{
    private readonly LocalIndex<Conn> _index = new();

    [Fact]
    public void A_user_with_several_devices_has_all_their_connections()
    {
        Conn phone = new("phone"), laptop = new("laptop"), other = new("other");

        Assert.True(_index.AddConnection("alice", phone));
        Assert.True(_index.AddConnection("alice", laptop));
        Assert.True(_index.AddConnection("bob", other));

        Assert.Equal([laptop, phone], _index.ConnectionsOf("alice").OrderBy(c => c.Name));
        Assert.Equal([other], _index.ConnectionsOf("bob"));
        Assert.Empty(_index.ConnectionsOf("carol"));
        Assert.Equal(3, _index.ConnectionCount);
        Assert.Equal(2, _index.UserCount);
        Assert.Equal(3, _index.AllConnections().Length);
    }

    [Fact]
    public void A_connection_is_added_only_once()
    {
        var conn = new Conn("a");

        Assert.True(_index.AddConnection("alice", conn));
        Assert.False(_index.AddConnection("alice", conn));
        Assert.Equal(1, _index.ConnectionCount);
    }

    [Fact]
    public void Join_and_leave_change_the_room_members()
    {
        Conn a = new("a"), b = new("b");
        _index.AddConnection("alice", a);
        _index.AddConnection("bob", b);

        Assert.Equal(MembershipResult.Added, _index.Join("r1", a));
        Assert.Equal(MembershipResult.Added, _index.Join("r1", b));
        Assert.Equal(MembershipResult.AlreadyMember, _index.Join("r1", a));
        Assert.Equal(2, _index.RoomMembers("r1").Length);
        Assert.Equal(2, _index.RoomMemberCount("r1"));

        Assert.True(_index.Leave("r1", a));
        Assert.False(_index.Leave("r1", a));
        Assert.Equal([b], _index.RoomMembers("r1"));
        Assert.Equal(1, _index.RoomMemberCount("r1"));
        Assert.Equal(0, _index.RoomMemberCount("r2"));
    }

    [Fact]
    public void Subscribe_and_unsubscribe_change_the_channel_subscribers()
    {
        var a = new Conn("a");
        _index.AddConnection("alice", a);

        Assert.Equal(MembershipResult.Added, _index.Subscribe("prices", a));
        Assert.Equal([a], _index.ChannelSubscribers("prices"));
        Assert.Equal(1, _index.ChannelCountOf(a));

        Assert.True(_index.Unsubscribe("prices", a));
        Assert.Empty(_index.ChannelSubscribers("prices"));
        Assert.Equal(0, _index.ChannelCount);
    }

    [Fact]
    public void A_room_whose_last_member_leaves_is_forgotten()
    {
        var a = new Conn("a");
        _index.AddConnection("alice", a);
        _index.Join("r1", a);
        Assert.Equal(1, _index.RoomCount);

        _index.Leave("r1", a);

        Assert.Equal(0, _index.RoomCount);
        Assert.Empty(_index.RoomMembers("r1"));
    }

    [Fact]
    public void Joining_beyond_the_room_limit_is_refused()
    {
        var a = new Conn("a");
        _index.AddConnection("alice", a);
        _index.Join("r1", a, maxRooms: 2);
        _index.Join("r2", a, maxRooms: 2);

        Assert.Equal(MembershipResult.LimitReached, _index.Join("r3", a, maxRooms: 2));
        Assert.Equal(MembershipResult.AlreadyMember, _index.Join("r2", a, maxRooms: 2));
        Assert.Equal(2, _index.RoomCountOf(a));
        Assert.Empty(_index.RoomMembers("r3"));
    }

    [Fact]
    public void Removing_a_connection_takes_it_out_of_everything_and_reports_what_it_left()
    {
        Conn phone = new("phone"), laptop = new("laptop");
        _index.AddConnection("alice", phone);
        _index.AddConnection("alice", laptop);
        _index.Join("r1", phone);
        _index.Join("r2", phone);
        _index.Join("r1", laptop);
        _index.Subscribe("prices", phone);

        var removed = _index.RemoveConnection(phone);

        Assert.NotNull(removed);
        Assert.Equal("alice", removed.UserId);
        Assert.Equal(["r1", "r2"], removed.Rooms.Order());
        Assert.Equal(["prices"], removed.Channels);
        Assert.False(removed.WasLastOfUser);
        Assert.Equal([laptop], _index.RoomMembers("r1"));
        Assert.Empty(_index.RoomMembers("r2"));
        Assert.Empty(_index.ChannelSubscribers("prices"));
        Assert.Equal([laptop], _index.ConnectionsOf("alice"));
        Assert.Equal([laptop], _index.AllConnections());
        Assert.False(_index.IsConnected(phone));
        Assert.True(_index.HasConnections("alice"));
    }

    [Fact]
    public void Removing_the_last_connection_of_a_user_says_so()
    {
        var a = new Conn("a");
        _index.AddConnection("alice", a);

        var removed = _index.RemoveConnection(a);

        Assert.True(removed?.WasLastOfUser);
        Assert.False(_index.HasConnections("alice"));
        Assert.Equal(0, _index.UserCount);
        Assert.Null(_index.RemoveConnection(a));
    }

    [Fact]
    public void A_removed_or_unknown_connection_cannot_join_or_subscribe()
    {
        Conn removed = new("removed"), unknown = new("unknown");
        _index.AddConnection("alice", removed);
        _index.RemoveConnection(removed);

        Assert.Equal(MembershipResult.NotConnected, _index.Join("r1", removed));
        Assert.Equal(MembershipResult.NotConnected, _index.Subscribe("prices", removed));
        Assert.Equal(MembershipResult.NotConnected, _index.Join("r1", unknown));
        Assert.Empty(_index.RoomMembers("r1"));
    }

    [Fact]
    public void A_connection_can_be_added_again_after_it_was_removed()
    {
        var a = new Conn("a");
        _index.AddConnection("alice", a);
        _index.Join("r1", a);
        _index.RemoveConnection(a);

        Assert.True(_index.AddConnection("alice", a));

        Assert.Equal(0, _index.RoomCountOf(a));
        Assert.Empty(_index.RoomMembers("r1"));
        Assert.Equal([a], _index.ConnectionsOf("alice"));
    }

    [Fact]
    public void A_lookup_returns_the_same_snapshot_until_the_members_change()
    {
        Conn a = new("a"), b = new("b");
        _index.AddConnection("alice", a);
        _index.AddConnection("bob", b);
        _index.Join("r1", a);

        var first = _index.RoomMembers("r1");
        Assert.True(first == _index.RoomMembers("r1"));

        _index.Join("r1", b);
        var second = _index.RoomMembers("r1");

        Assert.False(first == second);
        Assert.Equal([a], first);
        Assert.Equal(2, second.Length);
    }

    [Fact]
    public async Task Concurrent_adds_joins_leaves_and_removes_leave_a_consistent_index()
    {
        var ct = TestContext.Current.CancellationToken;
        var connections = Enumerable.Range(0, 64).Select(i => new Conn($"c{i}")).ToArray();
        var rooms = Enumerable.Range(0, 8).Select(i => $"room-{i}").ToArray();
        var channels = Enumerable.Range(0, 4).Select(i => $"channel-{i}").ToArray();
        var users = Enumerable.Range(0, 16).Select(i => $"user-{i}").ToArray();

        var workers = Enumerable.Range(0, 8).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 20_000; i++)
            {
                var conn = connections[random.Next(connections.Length)];
                switch (random.Next(10))
                {
                    case 0:
                        _index.AddConnection(users[random.Next(users.Length)], conn);
                        break;
                    case 1:
                        _index.RemoveConnection(conn);
                        break;
                    case 2 or 3 or 4:
                        _index.Join(rooms[random.Next(rooms.Length)], conn, maxRooms: 5);
                        break;
                    case 5 or 6:
                        _index.Leave(rooms[random.Next(rooms.Length)], conn);
                        break;
                    case 7:
                        _index.Subscribe(channels[random.Next(channels.Length)], conn);
                        break;
                    case 8:
                        _index.Unsubscribe(channels[random.Next(channels.Length)], conn);
                        break;
                    default:
                        foreach (var member in _index.RoomMembers(rooms[random.Next(rooms.Length)]))
                        {
                            Assert.NotNull(member);
                        }

                        break;
                }
            }
        }, ct)).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60), ct);

        var connected = connections.Where(_index.IsConnected).ToHashSet();
        Assert.Equal(connected.Count, _index.ConnectionCount);
        Assert.Equal(connected.OrderBy(c => c.Name), _index.AllConnections().OrderBy(c => c.Name));

        foreach (var room in rooms)
        {
            var members = _index.RoomMembers(room);
            Assert.All(members, m => Assert.Contains(m, connected));
            Assert.All(members, m => Assert.Contains(room, _index.RoomsOf(m)));
        }

        foreach (var channel in channels)
        {
            Assert.All(_index.ChannelSubscribers(channel), s => Assert.Contains(channel, _index.ChannelsOf(s)));
        }

        foreach (var conn in connections)
        {
            if (connected.Contains(conn))
            {
                Assert.True(_index.TryGetUser(conn, out var user));
                Assert.Contains(conn, _index.ConnectionsOf(user));
                Assert.True(_index.RoomCountOf(conn) <= 5);
                Assert.All(_index.RoomsOf(conn), room => Assert.Contains(conn, _index.RoomMembers(room)));
                Assert.All(_index.ChannelsOf(conn), channel => Assert.Contains(conn, _index.ChannelSubscribers(channel)));
            }
            else
            {
                Assert.All(users, user => Assert.DoesNotContain(conn, _index.ConnectionsOf(user)));
            }
        }

        Assert.Equal(rooms.Count(r => _index.RoomMembers(r).Length > 0), _index.RoomCount);
        Assert.Equal(channels.Count(c => _index.ChannelSubscribers(c).Length > 0), _index.ChannelCount);
        Assert.Equal(users.Count(u => _index.ConnectionsOf(u).Length > 0), _index.UserCount);
        Assert.Equal(connected.Count, users.Sum(u => _index.ConnectionsOf(u).Length));
    }

    [Fact]
    public async Task A_join_racing_with_removal_never_leaves_the_connection_in_the_room()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 2_000; i++)
        {
            var conn = new Conn($"c{i}");
            _index.AddConnection("alice", conn);
            using var start = new Barrier(2);

            var join = Task.Run(() =>
            {
                start.SignalAndWait(ct);
                return _index.Join("r1", conn);
            }, ct);
            var remove = Task.Run(() =>
            {
                start.SignalAndWait(ct);
                return _index.RemoveConnection(conn);
            }, ct);

            var joined = await join.WaitAsync(TimeSpan.FromSeconds(10), ct);
            var removed = await remove.WaitAsync(TimeSpan.FromSeconds(10), ct);

            Assert.DoesNotContain(conn, _index.RoomMembers("r1"));
            Assert.Equal(joined == MembershipResult.Added, removed!.Rooms.Contains("r1"));
        }

        Assert.Equal(0, _index.RoomCount);
        Assert.Equal(0, _index.ConnectionCount);
    }

    private sealed record Conn(string Name);
}
