using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Tests.Components;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    public void Parses_go_durations(string text, long expectedMilliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(expectedMilliseconds, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("thirty seconds")]
    [InlineData("5d")]
    [InlineData("")]
    public void Rejects_text_that_is_not_a_go_duration(string text) =>
        Assert.False(GoDuration.TryParse(text, out _));
}
