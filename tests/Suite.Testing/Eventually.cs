namespace Suite.Testing;

/// <summary>Polls a condition with a deadline, for effects that cross processes and have no event to await.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> isDone,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? because = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (isDone(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}{(because is null ? "" : ": " + because)}; last value: {Describe(value)}");
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    // A collection prints its items (at most 20), not its type name.
    private static string? Describe<T>(T value) => value is System.Collections.IEnumerable items and not string
        ? "[" + string.Join(", ", items.Cast<object?>().Take(20)) + (items.Cast<object?>().Skip(20).Any() ? ", ..." : "") + "]"
        : value?.ToString();

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken, string? because = null) =>
        UntilAsync(() => Task.FromResult(condition()), done => done, timeout, cancellationToken, because);
}
