using Suite.ServiceDefaults.State;

namespace Suite.ServiceDefaults.Tests.State;

public sealed class KeyedLockTests
{
    [Fact]
    public async Task Holders_of_one_key_take_turns_and_other_keys_do_not_wait()
    {
        var locks = new KeyedLock();
        var ct = TestContext.Current.CancellationToken;
        var first = await locks.AcquireAsync("room-a", ct);

        var second = locks.AcquireAsync("room-a", ct);
        var other = locks.AcquireAsync("room-b", ct);

        Assert.True(other.IsCompletedSuccessfully, "another key is not held up");
        Assert.False(second.IsCompleted, "the same key waits for the holder");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
        (await other).Dispose();
    }

    [Fact]
    public async Task A_cancelled_waiter_does_not_keep_the_key_from_the_next()
    {
        var locks = new KeyedLock();
        var ct = TestContext.Current.CancellationToken;
        var holder = await locks.AcquireAsync("k", ct);
        using var cancel = new CancellationTokenSource();
        var waiter = locks.AcquireAsync("k", cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        holder.Dispose();

        (await locks.AcquireAsync("k", ct).WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
    }

    [Fact]
    public async Task Disposing_a_turn_twice_releases_it_once()
    {
        var locks = new KeyedLock();
        var ct = TestContext.Current.CancellationToken;
        var first = await locks.AcquireAsync("k", ct);
        var second = locks.AcquireAsync("k", ct);
        var third = locks.AcquireAsync("k", ct);

        first.Dispose();
        first.Dispose();

        var held = await second.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.False(third.IsCompleted, "a second dispose must not let a third holder in beside the second");
        held.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();
    }
}
