using System.Threading.Channels;

namespace Suite.DaprEmulator.PubSub.InMemory;

/// <summary>One subscription of an in-memory topic: handles one message at a time, in publish order.</summary>
internal sealed class InMemorySubscriber(MessageHandler handler, Action<Exception> onFailure)
{
    // Capacity 1 keeps contrib's "a busy subscriber holds up the publisher" back-pressure.
    private readonly Channel<PubSubMessage> _queue = Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(1) { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public ValueTask EnqueueAsync(PubSubMessage message, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(message, cancellationToken);

    public void Start() => _loop = Task.Run(RunAsync);

    public async Task StopAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(_stopping.Token))
            {
                try
                {
                    await handler(message, _stopping.Token);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    onFailure(ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped while waiting for the next message.
        }
    }
}
