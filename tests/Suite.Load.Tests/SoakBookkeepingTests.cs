using System.Text;
using Suite.Load.Clients;
using Suite.Load.Scenarios.Soak;

namespace Suite.Load.Tests;

/// <summary>
/// The soak's count of what each client shows: room messages in seq order across resumes, repeats
/// and gaps, frames of a retired connection ignored, and the tally of lost and duplicated deliveries
/// per stream and per client. No processes: the bookkeeping alone.
/// </summary>
public sealed class SoakBookkeepingTests
{
    [Fact]
    public void Room_messages_after_the_first_joined_are_shown_in_seq_order_and_a_repeated_seq_is_a_duplicate()
    {
        var track = new RoomTrack("r");
        track.Joined(10, "e1");

        track.Message(11, 0);
        track.Message(12, 1);
        track.Message(12, 1);

        Assert.True(track.Shown.Contains(0) && track.Shown.Contains(1));
        Assert.Equal(2, track.Shown.Count);
        Assert.Equal(1, track.Duplicates);
        Assert.Equal(3, track.Frames);
    }

    [Fact]
    public void A_message_after_a_gap_waits_for_the_gap_and_is_counted_out_of_order()
    {
        var track = new RoomTrack("r");
        track.Joined(0, "e1");

        track.Message(2, 1);
        Assert.Equal(0, track.Shown.Count);
        track.Message(1, 0);

        Assert.Equal(2, track.Shown.Count);
        Assert.Equal(1, track.OutOfOrder);
        Assert.Equal(0, track.Duplicates);
    }

    [Fact]
    public void A_resume_asks_from_the_last_seq_shown_in_order_and_drops_what_waited_beyond_the_gap()
    {
        var track = new RoomTrack("r");
        track.Joined(0, "e1");
        track.Message(1, 0);
        track.Message(3, 2);

        var (seq, epoch) = track.ResumePoint();
        track.Resumed(recovered: true, seq: 3, epoch: "e1", missed: 2);
        track.Message(2, 1);
        track.Message(3, 2);

        Assert.Equal((1UL, "e1"), (seq, epoch));
        Assert.Equal(1, track.DroppedAtResume);
        Assert.Equal(3, track.Shown.Count);
        Assert.Equal((1L, 1L, 0L, 2L), (track.Resumes, track.Recovered, track.Unrecovered, track.Replayed));
        Assert.Equal(0, track.Duplicates);
    }

    [Fact]
    public void A_resume_that_is_not_recovered_goes_on_from_the_rooms_position_and_what_it_skipped_is_never_shown()
    {
        var track = new RoomTrack("r");
        track.Joined(0, "e1");
        track.Message(1, 0);
        track.ResumePoint();

        track.Resumed(recovered: false, seq: 5, epoch: "e2", missed: 0);
        track.Message(6, 5);

        Assert.Equal(1, track.Unrecovered);
        Assert.Equal("e2", track.Epoch);
        Assert.True(track.Shown.Contains(5));
        Assert.False(track.Shown.Contains(1));
    }

    [Fact]
    public void One_message_number_stored_under_two_seqs_is_a_duplicate()
    {
        var track = new RoomTrack("r");
        track.Joined(0, "e1");

        track.Message(1, 7);
        track.Message(2, 7);

        Assert.Equal(1, track.Duplicates);
        Assert.Equal(1, track.Shown.Count);
    }

    [Fact]
    public void Frames_of_a_retired_connection_are_ignored_and_the_retirement_gives_the_receivers_since()
    {
        var user = new SoakUser(1, "u1", SoakRole.Receiver, "r");
        user.OnFrame(0, Frame("""{"type":"joined","roomId":"r","seq":4,"epoch":"e1","ref":"j0"}"""));
        user.OnFrame(0, Frame("""{"type":"message","roomId":"r","seq":5,"content":"bench:0:1","id":"x"}"""));

        var (_, since) = user.Retire();
        var counted = user.OnFrame(0, Frame("""{"type":"message","roomId":"r","seq":6,"content":"bench:1:1","id":"y"}"""));

        Assert.False(counted);
        Assert.Equal((5UL, "e1"), since!.Value);
        Assert.Equal(1, user.Read(u => u.Room!.Shown.Count));
        Assert.Equal(1, user.Generation);
    }

    [Fact]
    public async Task A_joined_answer_completes_its_waiter_after_the_track_took_the_position()
    {
        var user = new SoakUser(1, "u1", SoakRole.Receiver, "r");
        var answer = user.AnswerTo("j0");

        user.OnFrame(0, Frame("""{"type":"joined","roomId":"r","seq":9,"epoch":"e1","ref":"j0"}"""));

        var frame = await answer.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal("joined", frame.Type);
        Assert.Equal("e1", user.Read(u => u.Room!.Epoch));
    }

    [Fact]
    public void An_acknowledged_event_is_queued_for_its_ack_and_shown_again_under_its_id_it_is_a_repeat()
    {
        var user = new SoakUser(1, "u1", SoakRole.Pair, null);
        var notice = Frame("""{"type":"soak_notice","content":"bench:3:1","id":"n3","timestamp":1,"ack":true}""");

        user.OnFrame(0, notice);
        user.OnFrame(0, notice);
        user.OnFrame(0, Frame("""{"type":"dismissed","ids":["n2"],"id":"z","timestamp":1}"""));

        Assert.Equal(1, user.Read(u => u.Notices.Count));
        Assert.Equal(1, user.Read(u => u.NoticeRepeats));
        Assert.Equal(1, user.Read(u => u.Dismissed));
        Assert.Equal(["n3", "n3"], user.PendingAcks);
    }

    [Fact]
    public void A_server_frame_is_read_for_the_fields_the_soak_uses()
    {
        var joined = SoakFrame.Read(Encoding.UTF8.GetBytes("""{"type":"joined","roomId":"r","seq":12,"epoch":"e9","recovered":true,"missed":3,"ref":"j2","extra":{"a":[1,2]}}"""));
        var error = SoakFrame.Read(Encoding.UTF8.GetBytes("""{"type":"error","code":"upstream_unavailable","message":"try again","ref":"m41"}"""));

        Assert.Equal(new SoakFrame("joined", null, "j2", "r", 12, "e9", true, 3, null, false, null), joined);
        Assert.Equal(("error", "upstream_unavailable", "m41"), (error.Type, error.Code, error.Ref));
    }

    [Fact]
    public void Accepted_numbers_are_the_ones_sent_and_not_finally_refused()
    {
        var log = new SentLog();
        foreach (var n in new long[] { 0, 1, 2, 4 })
        {
            log.MarkSent(n);
        }

        log.MarkRefused(1);
        log.MarkRefused(3);

        Assert.Equal([0, 2, 4], log.AcceptedNumbers());
        Assert.Equal((4L, 1L, 3L), (log.Sent, log.Refused, log.Accepted));
    }

    [Fact]
    public void The_tally_owes_each_accepted_message_to_every_recipient_and_names_the_clients_that_miss_one()
    {
        var alice = new SoakUser(1, "alice", SoakRole.Receiver, "r");
        var bob = new SoakUser(2, "bob", SoakRole.Receiver, "r");
        var pairA = new SoakUser(3, "pa", SoakRole.Pair, null);
        var pairB = new SoakUser(4, "pb", SoakRole.Pair, null);
        foreach (var user in new[] { alice, bob })
        {
            user.OnFrame(0, Frame("""{"type":"joined","roomId":"r","seq":0,"epoch":"e"}"""));
        }

        var room = new SentLog();
        room.MarkSent(0);
        room.MarkSent(1);
        alice.OnFrame(0, Message(1, 0));
        alice.OnFrame(0, Message(2, 1));
        bob.OnFrame(0, Message(1, 0));
        bob.OnFrame(0, Message(1, 0));
        var direct = new SentLog();
        direct.MarkSent(0);
        direct.MarkSent(1);
        pairB.OnFrame(0, Frame("""{"type":"direct","from":"pa","content":"bench:0:1","id":"d"}"""));
        var notices = new SentLog();
        notices.MarkSent(0);
        pairA.OnFrame(0, Frame("""{"type":"soak_notice","content":"bench:0:1","id":"n0","ack":true}"""));
        pairA.OnFrame(0, Frame("""{"type":"soak_notice","content":"bench:0:1","id":"n0","ack":true}"""));

        var tally = SoakTally.Count(
            [alice, bob], new Dictionary<string, SentLog> { ["r"] = room }, direct, k => k == 0 ? pairB : pairA, notices, _ => pairA, [alice, bob, pairA, pairB]);

        Assert.Equal((4L, 3L, 1L, 1L), (tally.Room.Expected, tally.Room.Shown, tally.Room.Lost, tally.Room.Duplicates));
        Assert.Equal((2L, 1L, 1L), (tally.Direct.Expected, tally.Direct.Shown, tally.Direct.Lost));
        Assert.Equal((1L, 1L, 0L), (tally.Notices.Expected, tally.Notices.Shown, tally.Notices.Lost));
        Assert.Equal(1, tally.NoticeRepeats);
        Assert.Equal((2L, 1L), (tally.Lost, tally.Duplicates));
        Assert.Equal(new[] { "bob", "pa" }, tally.Problems.Select(p => p.UserId).Order());
        var bobs = tally.Problems.Single(p => p.UserId == "bob");
        Assert.Equal((1L, 1L), (bobs.RoomLost, bobs.Duplicates));
    }

    [Fact]
    public void Lost_numbers_are_written_as_ranges_so_a_gap_reads_apart_from_a_tail()
    {
        Assert.Equal("0-2, 5, 7-8", SoakTally.Ranges([0, 1, 2, 5, 7, 8]));
        Assert.Equal("", SoakTally.Ranges([]));
        Assert.EndsWith(", …", SoakTally.Ranges(Enumerable.Range(0, 30).Select(i => (long)i * 2)));
    }

    private static SoakFrame Message(ulong seq, long number) =>
        Frame($$"""{"type":"message","roomId":"r","seq":{{seq}},"content":"{{BenchMarker.Create(number, 1)}}","id":"m"}""");

    private static SoakFrame Frame(string json) => SoakFrame.Read(Encoding.UTF8.GetBytes(json));
}
