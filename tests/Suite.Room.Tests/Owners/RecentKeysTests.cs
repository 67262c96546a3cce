using System.Runtime.CompilerServices;
using Suite.Room.Messaging;
using Suite.Room.Owners;

namespace Suite.Room.Tests.Owners;

public sealed class RecentKeysTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_key_is_found_with_its_first_result_until_the_window_passes()
    {
        var keys = new RecentKeys(Window, capacity: 1000, loadedAt: DateTimeOffset.MinValue);
        var id = MessageIds.New();
        keys.Add("k1", id, seq: 7, timestamp: 1234, Start);
        keys.Add("k1", MessageIds.New(), seq: 8, timestamp: 5678, Start);

        Assert.Equal(new RememberedKey(id, 7, 1234, Published: false, EdgesTargeted: 0), keys.Find("k1", Start + Window));
        Assert.Null(keys.Find("K1", Start));
        Assert.Null(keys.Find("k1", Start + Window + TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Marking_a_message_published_records_its_edges_only_for_the_seq_it_names()
    {
        var keys = new RecentKeys(Window, capacity: 1000, loadedAt: DateTimeOffset.MinValue);
        keys.Add("k1", MessageIds.New(), seq: 7, timestamp: 1, Start);

        keys.MarkPublished("k1", seq: 6, edgesTargeted: 9);
        Assert.False(keys.Find("k1", Start)!.Value.Published);

        keys.MarkPublished("k1", seq: 7, edgesTargeted: 3);
        keys.MarkPublished("unknown", seq: 7, edgesTargeted: 4);
        var found = keys.Find("k1", Start)!.Value;
        Assert.True(found.Published);
        Assert.Equal(3, found.EdgesTargeted);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef-0123-456789abcdef")]
    [InlineData("msg-42")]
    [InlineData("")]
    public void A_message_id_not_in_the_rooms_own_form_comes_back_exactly(string id)
    {
        var keys = new RecentKeys(Window, capacity: 1000, loadedAt: DateTimeOffset.MinValue);
        keys.Add("odd", id, seq: 1, timestamp: 1, Start);
        keys.Add("plain", "0123456789abcdef0123456789abcdef", seq: 2, timestamp: 2, Start);

        Assert.Equal(id, keys.Find("odd", Start)!.Value.MessageId);
        Assert.Equal("0123456789abcdef0123456789abcdef", keys.Find("plain", Start)!.Value.MessageId);
    }

    [Fact]
    public void Over_capacity_the_oldest_key_is_forgotten_and_the_window_is_not_covered_until_it_would_have_expired()
    {
        var keys = new RecentKeys(Window, capacity: 3, loadedAt: DateTimeOffset.MinValue);
        for (var n = 0; n < 4; n++)
        {
            keys.Add($"k{n}", MessageIds.New(), seq: (ulong)n + 1, timestamp: n, Start + TimeSpan.FromSeconds(n));
        }

        var later = Start + TimeSpan.FromSeconds(4);
        Assert.Null(keys.Find("k0", later));
        Assert.NotNull(keys.Find("k3", later));
        // k0 (added at Start) may be used again until the window has passed since then.
        Assert.False(keys.Covers(later));
        Assert.False(keys.Covers(Start + Window - TimeSpan.FromTicks(1)));
        Assert.True(keys.Covers(Start + Window + TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void A_room_loaded_with_earlier_messages_covers_the_window_only_once_it_has_passed_since_loading()
    {
        var keys = new RecentKeys(Window, capacity: 1000, loadedAt: Start);

        Assert.False(keys.Covers(Start + Window - TimeSpan.FromTicks(1)));
        Assert.True(keys.Covers(Start + Window));
    }

    [Fact]
    public void Remembered_keys_do_not_keep_their_strings_alive()
    {
        var keys = new RecentKeys(Window, capacity: 1000, loadedAt: DateTimeOffset.MinValue);
        var (key, id) = AddUnreferenced(keys);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(key.TryGetTarget(out _));
        Assert.False(id.TryGetTarget(out _));
        Assert.NotNull(keys.Find(new string('k', 40), Start));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<string> Key, WeakReference<string> Id) AddUnreferenced(RecentKeys keys)
    {
        var key = new string('k', 40);
        var id = MessageIds.New();
        keys.Add(key, id, seq: 1, timestamp: 1, Start);
        return (new WeakReference<string>(key), new WeakReference<string>(id));
    }
}
