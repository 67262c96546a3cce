using System.Collections.Concurrent;
using Suite.Load.Clients;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// One simulated user of the soak over all the connections it has in turn, and what it received:
/// its room (a receiver's <see cref="RoomTrack"/>), its direct messages and its acknowledged business
/// events, each by number. Frames are counted only from the current connection: once a connection is
/// retired (the user is about to reconnect), whatever it still delivers is ignored, as a client that
/// closed a socket ignores it, and the resume fills the rest.
/// </summary>
internal sealed class SoakUser(int index, string userId, SoakRole role, string? roomId)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SoakFrame>> _answers = new();
    private int _generation;
    private int _busy;
    private ProtocolV1Client? _client;

    public int Index => index;

    public string UserId => userId;

    public SoakRole Role { get; } = role;

    /// <summary>The room of a sender or receiver; null for the direct-message pairs.</summary>
    public string? RoomId { get; } = roomId;

    /// <summary>A receiver's view of its room; null for everyone else (a sender does not get its own messages).</summary>
    public RoomTrack? Room { get; } = role == SoakRole.Receiver ? new RoomTrack(roomId!) : null;

    public NumberSet Directs { get; } = new();

    public NumberSet Notices { get; } = new();

    public long DirectDuplicates { get; private set; }

    /// <summary>A business event shown again under its id (live and from the inbox, or unacked before a reconnect): the client drops it.</summary>
    public long NoticeRepeats { get; private set; }

    public long Dismissed { get; private set; }

    /// <summary>Ids of acknowledged events shown and not acked yet.</summary>
    public ConcurrentQueue<string> PendingAcks { get; } = new();

    /// <summary>Messages this sender sent lately (number, when), sent again with their ids after an unplanned reconnect.</summary>
    public ConcurrentQueue<(long Number, long At)> RecentSends { get; } = new();

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The open connection, or null while the user is away.</summary>
    public ProtocolV1Client? Client => Volatile.Read(ref _client);

    /// <summary>One reconnect at a time per user (churn, a burst, an unplanned loss).</summary>
    public bool TryBeginReconnect() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void EndReconnect() => Volatile.Write(ref _busy, 0);

    public bool Reconnecting => Volatile.Read(ref _busy) == 1;

    public void Attach(int generation, ProtocolV1Client client)
    {
        lock (_gate)
        {
            if (generation == _generation)
            {
                _client = client;
            }
        }
    }

    /// <summary>
    /// Stops counting the current connection's frames and hands it over to be closed, with the
    /// receiver's <c>since</c> (null for the others).
    /// </summary>
    public (ProtocolV1Client? Old, (ulong Seq, string? Epoch)? Since) Retire()
    {
        lock (_gate)
        {
            _generation++;
            var old = _client;
            _client = null;
            return (old, Room?.ResumePoint());
        }
    }

    /// <summary>Completes when the frame answering <paramref name="reference"/> (its <c>ref</c>) arrives.</summary>
    public Task<SoakFrame> AnswerTo(string reference) =>
        _answers.GetOrAdd(reference, _ => new TaskCompletionSource<SoakFrame>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void ForgetAnswer(string reference) => _answers.TryRemove(reference, out _);

    /// <summary>A frame from the connection of <paramref name="generation"/>; false when that connection is retired.</summary>
    public bool OnFrame(int generation, in SoakFrame frame)
    {
        lock (_gate)
        {
            if (generation != _generation)
            {
                return false;
            }

            switch (frame.Type)
            {
                case "joined" when frame.RoomId == RoomId:
                    if (Room is not null && frame.Recovered is null && frame.Seq is { } start)
                    {
                        Room.Joined(start, frame.Epoch);
                    }
                    else if (Room is not null && frame.Recovered is { } recovered)
                    {
                        Room.Resumed(recovered, frame.Seq ?? 0, frame.Epoch, frame.Missed ?? 0);
                    }

                    break;
                case "message" when Room is not null && frame.RoomId == RoomId && frame.Seq is { } seq && Number(frame) is { } n:
                    Room.Message(seq, n);
                    break;
                case "direct" when Number(frame) is { } n:
                    DirectDuplicates += Directs.Add(n) ? 0 : 1;
                    break;
                case SoakNotices.Type when Number(frame) is { } n:
                    NoticeRepeats += Notices.Add(n) ? 0 : 1;
                    if (frame.Ack && frame.Id is { } id)
                    {
                        PendingAcks.Enqueue(id);
                    }

                    break;
                case "dismissed":
                    Dismissed++;
                    break;
            }
        }

        // After the bookkeeping, so a join's waiter sees the track already updated.
        if (frame.Ref is { } reference && _answers.TryRemove(reference, out var answer))
        {
            answer.TrySetResult(frame);
        }

        return true;
    }

    /// <summary>Reads the counters under the user's lock (the receive loops write them).</summary>
    public T Read<T>(Func<SoakUser, T> read)
    {
        lock (_gate)
        {
            return read(this);
        }
    }

    private static long? Number(in SoakFrame frame) =>
        frame.Content is { } content && BenchMarker.TryParse(content, out var n, out _) ? n : null;
}

internal enum SoakRole
{
    /// <summary>Sends its room's numbered messages; never churned on purpose.</summary>
    Sender,

    /// <summary>A room member that disconnects and resumes with <c>since</c>.</summary>
    Receiver,

    /// <summary>Half of a direct-message pair; never churned on purpose (a direct message to an absent user is not kept).</summary>
    Pair,
}
