using Suite.DaprEmulator.PubSub.Redis;

namespace Suite.DaprEmulator.Tests.PubSub;

public sealed class RedisStreamAcksTests
{
    // The ack window grows to 100 ms (fewer timer wake-ups and XACKs per message) but stays a tenth of
    // processingTimeout, so a handled message is acked long before the broker would hand it out again.
    [Theory]
    [InlineData(60_000, 100)]
    [InlineData(2_000, 100)]
    [InlineData(300, 30)]
    [InlineData(200, 20)]
    [InlineData(5, 1)]
    [InlineData(0, 100)]
    public void The_ack_window_is_a_tenth_of_processingTimeout_at_most_100_ms(int processingTimeoutMs, int expectedMs) =>
        Assert.Equal(
            TimeSpan.FromMilliseconds(expectedMs),
            RedisStreamAcks.GatherForProcessingTimeout(TimeSpan.FromMilliseconds(processingTimeoutMs)));
}
