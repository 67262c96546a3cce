using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Edge.Resume;

namespace Suite.Edge.Tests.Resume;

/// <summary>
/// What a connection's replay order sends when its hold is released: the replay and the held live
/// messages merged in seq order, each seq once, nothing the client already showed, and nothing held
/// left behind. The connection has no send pump, so every frame stays in its queue to be read here.
/// </summary>
public sealed class ReplayOrderTests : IDisposable
{
    private const string Room = "r1";

    private readonly WebSocket _socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true });
    private readonly Connection _connection;
    private readonly ReplayOrder _order = new();

    public ReplayOrderTests() =>
        _connection = new Connection("c1", _socket, new SendQueue(new SendQueueOptions(), new FakeTimeProvider()), new ConnectionOptions(), DateTimeOffset.UnixEpoch);

    public void Dispose() => _socket.Dispose();

    [Fact]
    public void A_gap_fill_sends_a_message_held_from_below_its_hole_in_order()
    {
        // 9 was observed before the fill of hole (9, 10] took the hold, and expanded after it: held,
        // never sent. The old release dropped every held seq at or below the last filled one.
        Assert.True(_order.TryHold(Room));
        _order.Offer(_connection, Room, 11, Frame(11));
        _order.Offer(_connection, Room, 9, Frame(9));

        _order.Release(_connection, Room, joined: null, [Replayed(10)], shownUpTo: 0, keepFloor: false);
        _order.Offer(_connection, Room, 12, Frame(12));

        Assert.Equal(["9", "10", "11", "12"], Sent());
    }

    [Fact]
    public void A_gap_fill_sends_a_held_live_copy_of_a_filled_seq_once()
    {
        Assert.True(_order.TryHold(Room));
        _order.Offer(_connection, Room, 11, Frame(11));
        _order.Offer(_connection, Room, 10, Frame(10));

        _order.Release(_connection, Room, joined: null, [Replayed(10)], shownUpTo: 0, keepFloor: false);

        Assert.Equal(["10", "11"], Sent());
    }

    [Fact]
    public void A_fill_that_read_nothing_sends_what_it_held_in_seq_order()
    {
        Assert.True(_order.TryHold(Room));
        _order.Offer(_connection, Room, 12, Frame(12));
        _order.Offer(_connection, Room, 10, Frame(10));

        _order.Release(_connection, Room, joined: null, [], shownUpTo: 0, keepFloor: false);

        Assert.Equal(["10", "12"], Sent());
    }

    [Fact]
    public void A_resume_sends_joined_then_the_replay_then_newer_held_ones_and_drops_late_copies_until_a_newer_seq()
    {
        _order.Hold(Room);
        _order.Offer(_connection, Room, 3, Frame(3)); // shown on the client's old connection (since 4)
        _order.Offer(_connection, Room, 5, Frame(5)); // replayed
        _order.Offer(_connection, Room, 7, Frame(7));

        _order.Release(_connection, Room, Frame(0), [Replayed(5), Replayed(6)], shownUpTo: 4, keepFloor: true);
        Assert.Equal(["0", "5", "6", "7"], Sent());

        // The floor (6) was passed by 7 at the release: later copies are the id filter's, not the floor's.
        Assert.NotNull(_order.Offer(_connection, Room, 6, Frame(6)));
    }

    [Fact]
    public void A_resume_whose_held_messages_are_all_replayed_keeps_dropping_their_late_copies()
    {
        _order.Hold(Room);
        _order.Offer(_connection, Room, 5, Frame(5));

        _order.Release(_connection, Room, Frame(0), [Replayed(5), Replayed(6)], shownUpTo: 4, keepFloor: true);

        Assert.Null(_order.Offer(_connection, Room, 6, Frame(6)));
        Assert.NotNull(_order.Offer(_connection, Room, 7, Frame(7)));
        Assert.Equal(["0", "5", "6", "7"], Sent());
    }

    private static OutboundFrame Frame(ulong seq) => new(Encoding.UTF8.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture)), "message");

    private static ReplayedMessage Replayed(ulong seq) => new(seq, Frame(seq));

    private List<string> Sent()
    {
        var sent = new List<string>();
        while (_connection.Queue.TryRead(out var frame))
        {
            sent.Add(Encoding.UTF8.GetString(frame.Payload.Span));
        }

        return sent;
    }
}
