using System.Collections.Concurrent;
using System.Text;
using Suite.DaprEmulator.PubSub;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.PubSub;

/// <summary>
/// A <see cref="MessageHandler"/> that records what it handled successfully. An optional behaviour runs first
/// with the 1-based attempt number, so a test can fail or cancel chosen deliveries.
/// </summary>
internal sealed class MessageRecorder(Func<PubSubMessage, int, CancellationToken, Task>? behaviour = null)
{
    private readonly ConcurrentQueue<PubSubMessage> _handled = new();
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyList<PubSubMessage> Handled => [.. _handled];

    public IReadOnlyList<string> Texts => [.. _handled.Select(m => Encoding.UTF8.GetString(m.Data.Span))];

    public async Task HandleAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        if (behaviour is not null)
        {
            await behaviour(message, attempt, cancellationToken);
        }

        _handled.Enqueue(message);
    }

    public Task WaitForHandledAsync(int count, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(
            () => _handled.Count >= count,
            TimeSpan.FromSeconds(5),
            cancellationToken,
            $"expected {count} handled messages, got [{string.Join(", ", Texts)}]");
}
