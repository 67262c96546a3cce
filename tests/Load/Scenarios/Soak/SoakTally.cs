using System.Text.Json;
using System.Text.Json.Nodes;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// The soak's count, per stream and per client: every accepted message (<see cref="SentLog"/>) must
/// be shown by each of its recipients, once. Room messages: each receiver of the room; direct
/// messages: the one recipient; business events: the one target user, who may have been away (it
/// comes from the inbox). A business event shown again under its id is a repeat the protocol allows
/// (live and from the inbox, or not acked before a reconnect) and the client drops it, so repeats are
/// counted but are not duplicates; a room message or a direct message shown twice is.
/// </summary>
internal sealed record SoakTally(
    StreamCount Room, StreamCount Direct, StreamCount Notices, RoomResumes Resumes, long NoticeRepeats, long Dismissed, IReadOnlyList<ClientProblem> Problems)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public long Delivered => Room.Shown + Direct.Shown + Notices.Shown;

    public long Expected => Room.Expected + Direct.Expected + Notices.Expected;

    public long Lost => Room.Lost + Direct.Lost + Notices.Lost;

    public long Duplicates => Room.Duplicates + Direct.Duplicates;

    public static SoakTally Count(
        IReadOnlyList<SoakUser> receivers,
        IReadOnlyDictionary<string, SentLog> roomLogs,
        SentLog directLog,
        Func<long, SoakUser> directRecipient,
        SentLog noticeLog,
        Func<long, SoakUser> noticeRecipient,
        IReadOnlyList<SoakUser> everyone)
    {
        var problems = new Dictionary<SoakUser, ClientProblem>();
        void Problem(SoakUser user, Func<ClientProblem, ClientProblem> change) =>
            problems[user] = change(problems.GetValueOrDefault(user) ?? new ClientProblem(user.UserId, user.Role.ToString().ToLowerInvariant(), 0, 0, 0));

        var accepted = roomLogs.ToDictionary(l => l.Key, l => l.Value.AcceptedNumbers().ToHashSet());

        long roomExpected = 0, roomShown = 0, roomLost = 0, roomDuplicates = 0, outOfOrder = 0, dropped = 0, shownUnaccepted = 0;
        long resumes = 0, recovered = 0, unrecovered = 0, replayed = 0;
        foreach (var receiver in receivers)
        {
            var numbers = accepted.GetValueOrDefault(receiver.RoomId!) ?? [];
            var (lost, shown, duplicates) = receiver.Read(u =>
            {
                var track = u.Room!;
                outOfOrder += track.OutOfOrder;
                dropped += track.DroppedAtResume;
                resumes += track.Resumes;
                recovered += track.Recovered;
                unrecovered += track.Unrecovered;
                replayed += track.Replayed;
                return (numbers.Count(n => !track.Shown.Contains(n)), track.Shown.Count, track.Duplicates);
            });
            var missing = lost == 0 ? "" : receiver.Read(u => Ranges(numbers.Where(n => !u.Room!.Shown.Contains(n))));
            roomExpected += numbers.Count;
            roomShown += numbers.Count - lost;
            shownUnaccepted += shown - (numbers.Count - lost);
            roomLost += lost;
            roomDuplicates += duplicates;
            if (lost > 0 || duplicates > 0)
            {
                Problem(receiver, p => p with { RoomLost = p.RoomLost + lost, Duplicates = p.Duplicates + duplicates, RoomMissing = missing });
            }
        }

        var (direct, directProblems) = Numbered(directLog, directRecipient, u => u.Directs);
        foreach (var (user, lost) in directProblems)
        {
            Problem(user, p => p with { DirectLost = p.DirectLost + lost });
        }

        var directDuplicates = everyone.Sum(u => u.Read(x => x.DirectDuplicates));
        foreach (var user in everyone.Where(u => u.Read(x => x.DirectDuplicates) > 0))
        {
            Problem(user, p => p with { Duplicates = p.Duplicates + user.Read(x => x.DirectDuplicates) });
        }

        var (notices, noticeProblems) = Numbered(noticeLog, noticeRecipient, u => u.Notices);
        foreach (var (user, lost) in noticeProblems)
        {
            Problem(user, p => p with { NoticesLost = p.NoticesLost + lost });
        }

        return new SoakTally(
            new StreamCount(roomLogs.Values.Sum(l => l.Sent), roomLogs.Values.Sum(l => l.Accepted), roomExpected, roomShown, roomLost, roomDuplicates) { OutOfOrder = outOfOrder, DroppedAtResume = dropped, ShownUnaccepted = shownUnaccepted },
            direct with { Duplicates = directDuplicates },
            notices,
            new RoomResumes(resumes, recovered, unrecovered, replayed),
            everyone.Sum(u => u.Read(x => x.NoticeRepeats)),
            everyone.Sum(u => u.Read(x => x.Dismissed)),
            [.. problems.Values.OrderByDescending(p => p.RoomLost + p.DirectLost + p.NoticesLost + p.Duplicates)]);
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["delivered"] = Delivered,
            ["expectedDeliveries"] = Expected,
            ["lost"] = Lost,
            ["duplicated"] = Duplicates,
            ["room"] = JsonSerializer.SerializeToNode(Room, Json),
            ["direct"] = JsonSerializer.SerializeToNode(Direct, Json),
            ["notices"] = JsonSerializer.SerializeToNode(Notices, Json),
            ["resumes"] = JsonSerializer.SerializeToNode(Resumes, Json),
            ["noticeRepeats"] = NoticeRepeats,
            ["dismissed"] = Dismissed,
            ["clientsWithProblems"] = Problems.Count,
            ["problemClients"] = new JsonArray([.. Problems.Take(20).Select(p => JsonSerializer.SerializeToNode(p, Json))]),
        };
        return json;
    }

    /// <summary>Ascending numbers as ranges, "3-9, 12", at most 20 of them.</summary>
    internal static string Ranges(IEnumerable<long> ascending)
    {
        var ranges = new List<string>();
        long? first = null, last = null;
        foreach (var n in ascending.Append(long.MaxValue))
        {
            if (last is { } l && n == l + 1)
            {
                last = n;
                continue;
            }

            if (first is { } f)
            {
                ranges.Add(f == last ? f.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{f}-{last}"));
            }

            (first, last) = (n, n);
        }

        return string.Join(", ", ranges.Take(20)) + (ranges.Count > 20 ? ", …" : "");
    }

    /// <summary>A stream with one recipient per message: each accepted number must be in that recipient's set.</summary>
    private static (StreamCount Stream, Dictionary<SoakUser, long> LostBy) Numbered(SentLog log, Func<long, SoakUser> recipient, Func<SoakUser, NumberSet> received)
    {
        var lostBy = new Dictionary<SoakUser, long>();
        var missing = new List<long>();
        long expected = 0, shown = 0;
        foreach (var n in log.AcceptedNumbers())
        {
            var user = recipient(n);
            expected++;
            if (user.Read(u => received(u).Contains(n)))
            {
                shown++;
            }
            else
            {
                lostBy[user] = lostBy.GetValueOrDefault(user) + 1;
                missing.Add(n);
            }
        }

        return (new StreamCount(log.Sent, log.Accepted, expected, shown, expected - shown, 0) { Missing = missing.Count == 0 ? null : Ranges(missing) }, lostBy);
    }
}

/// <param name="Expected">Deliveries owed: accepted messages times their recipients.</param>
/// <param name="Shown">Of those, shown by their recipients.</param>
internal sealed record StreamCount(long Sent, long Accepted, long Expected, long Shown, long Lost, long Duplicates)
{
    /// <summary>Room: messages that arrived after a gap in seq (they wait for it to fill).</summary>
    public long OutOfOrder { get; init; }

    /// <summary>Room: messages beyond a gap dropped at a resume (the replay sends them again).</summary>
    public long DroppedAtResume { get; init; }

    /// <summary>Room: shown, though their sender was told they were refused (stored before the refusal).</summary>
    public long ShownUnaccepted { get; init; }

    /// <summary>Direct messages, business events: the numbers lost, as ranges.</summary>
    public string? Missing { get; init; }
}

internal sealed record RoomResumes(long Resumes, long Recovered, long Unrecovered, long Replayed);

internal sealed record ClientProblem(string UserId, string Role, long RoomLost, long DirectLost, long Duplicates)
{
    public long NoticesLost { get; init; }

    /// <summary>The room message numbers not shown, as ranges ("12-40, 77"), to tell a gap from a tail.</summary>
    public string? RoomMissing { get; init; }
}
