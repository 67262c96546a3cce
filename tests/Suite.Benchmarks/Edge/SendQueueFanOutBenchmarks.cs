using System.Text.Json;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Suite.Edge.Delivery;
using Suite.Edge.Routing;

namespace Suite.Benchmarks.Edge;

// One frame fanned out to 10k local connections: the payload is serialised once, each delivery is
// a TryEnqueue plus the reader's TryRead. Results are per delivery (OperationsPerInvoke).
[MemoryDiagnoser]
public class SendQueueFanOutBenchmarks
{
    private const int Connections = 10_000;

    private readonly SendQueueOptions _options = new();
    private SendQueue[] _queues = [];
    private SendQueue[] _idleQueues = [];
    private Channel<OutboundFrame>[] _channels = [];
    private LocalIndex<SendQueue> _index = new();
    private OutboundFrame _frame = null!;
    private OutboundFrame _droppable = null!;

    [GlobalSetup]
    public void Setup()
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "message",
            roomId = "room-1",
            from = "user-42",
            content = "hello, room",
            timestamp = 1_767_225_600_000L,
            id = "01JH2X8Q4V3W5Y6Z7A8B9C0D1E",
            seq = 1234,
        });
        _frame = new OutboundFrame(payload, "message");
        _droppable = new OutboundFrame(payload, "price_update", DroppableKey: "price:ACME");

        _queues = new SendQueue[Connections];
        _idleQueues = new SendQueue[Connections];
        _channels = new Channel<OutboundFrame>[Connections];
        _index = new LocalIndex<SendQueue>();
        for (var i = 0; i < Connections; i++)
        {
            _queues[i] = new SendQueue(_options, TimeProvider.System);
            _channels[i] = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
            _index.AddConnection($"user-{i}", _queues[i]);
            _index.Join("room-1", _queues[i]);

            // A send loop asleep on an empty queue, as on every connection between deliveries.
            _idleQueues[i] = new SendQueue(_options, TimeProvider.System);
            _ = _idleQueues[i].ReadAsync();
        }
    }

    [Benchmark(OperationsPerInvoke = Connections, Baseline = true)]
    public int Channel_baseline_write_then_read()
    {
        var frame = _frame;
        foreach (var channel in _channels)
        {
            channel.Writer.TryWrite(frame);
        }

        var read = 0;
        foreach (var channel in _channels)
        {
            while (channel.Reader.TryRead(out _))
            {
                read++;
            }
        }

        return read;
    }

    [Benchmark(OperationsPerInvoke = Connections)]
    public int SendQueue_enqueue_then_read()
    {
        var frame = _frame;
        foreach (var queue in _queues)
        {
            queue.TryEnqueue(frame);
        }

        return DrainAll();
    }

    [Benchmark(OperationsPerInvoke = Connections)]
    public int SendQueue_room_lookup_enqueue_then_read()
    {
        var frame = _frame;
        foreach (var queue in _index.RoomMembers("room-1"))
        {
            queue.TryEnqueue(frame);
        }

        return DrainAll();
    }

    // Two droppable frames with one key per connection: the second coalesces into the first.
    [Benchmark(OperationsPerInvoke = 2 * Connections)]
    public int SendQueue_droppable_coalesce_then_read()
    {
        var frame = _droppable;
        foreach (var queue in _queues)
        {
            queue.TryEnqueue(frame);
            queue.TryEnqueue(frame);
        }

        return DrainAll();
    }

    // The fan-out path to an idle connection since issue 10: the queue hands the send to the caller
    // (who writes the socket, not measured here) and the sleeping reader is not woken.
    [Benchmark(OperationsPerInvoke = Connections)]
    public int SendQueue_send_now_to_an_idle_connection()
    {
        var frame = _frame;
        var sent = 0;
        foreach (var queue in _idleQueues)
        {
            queue.TryEnqueue(frame, out var sendNow);
            if (sendNow)
            {
                queue.EndSend();
                sent++;
            }
        }

        return sent;
    }

    // A reader asleep on an empty queue, woken by one frame: the path of every idle connection's
    // send loop. Both include this benchmark's own async state machine.
    [Benchmark]
    public async Task<OutboundFrame?> SendQueue_waiting_reader_wakes()
    {
        var read = _queues[0].ReadAsync();
        _queues[0].TryEnqueue(_frame);
        return await read;
    }

    [Benchmark]
    public async Task<OutboundFrame> Channel_waiting_reader_wakes()
    {
        var read = _channels[0].Reader.ReadAsync();
        _channels[0].Writer.TryWrite(_frame);
        return await read;
    }

    // Bytes allocated here are what an idle connection's send queue costs.
    [Benchmark(OperationsPerInvoke = 1)]
    public SendQueue New_send_queue() => new(_options, TimeProvider.System);

    private int DrainAll()
    {
        var read = 0;
        foreach (var queue in _queues)
        {
            while (queue.TryRead(out _))
            {
                read++;
            }
        }

        return read;
    }
}
