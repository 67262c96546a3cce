using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Delivery;
using Suite.Testing;

namespace Suite.Edge.Tests.Delivery;

public sealed class SendQueueTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static readonly SendQueueOptions Options = new()
    {
        LowWatermarkBytes = 200,
        HighWatermarkBytes = 500,
        HardLimitBytes = 1000,
        MaxQueuedFrames = 50,
        SlowConsumerGracePeriod = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void Frames_are_read_in_the_order_they_were_queued()
    {
        var queue = NewQueue();

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("a", 10)));
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("b", 10)));
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("c", 10)));

        Assert.Equal(["a", "b", "c"], Drain(queue));
    }

    [Fact]
    public void Urgent_frames_are_read_before_normal_frames()
    {
        var queue = NewQueue();

        queue.TryEnqueue(Frame("normal-1", 10));
        queue.TryEnqueue(Frame("urgent-1", 10, urgent: true));
        queue.TryEnqueue(Frame("normal-2", 10));
        queue.TryEnqueue(Frame("urgent-2", 10, urgent: true));

        Assert.Equal(["urgent-1", "urgent-2", "normal-1", "normal-2"], Drain(queue));
    }

    [Fact]
    public void A_droppable_frame_replaces_the_queued_frame_with_its_key_and_keeps_its_place()
    {
        var queue = NewQueue();

        queue.TryEnqueue(Frame("price-1", 10, key: "price:ACME"));
        queue.TryEnqueue(Frame("message", 10));
        Assert.Equal(EnqueueOutcome.Coalesced, queue.TryEnqueue(Frame("price-2", 30, key: "price:ACME")));

        Assert.Equal(2, queue.QueuedCount);
        Assert.Equal(40, queue.QueuedBytes);
        Assert.Equal(1, queue.CoalescedCount);
        Assert.Equal(["price-2", "message"], Drain(queue));
    }

    [Fact]
    public void A_key_is_free_again_once_its_frame_was_read()
    {
        var queue = NewQueue();

        queue.TryEnqueue(Frame("price-1", 10, key: "price:ACME"));
        Assert.Equal(["price-1"], Drain(queue));

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("price-2", 10, key: "price:ACME")));
        Assert.Equal(["price-2"], Drain(queue));
    }

    [Fact]
    public void Above_the_high_watermark_droppable_frames_are_dropped_and_others_accepted()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("cursor-1", 10, key: "cursor:u1"));
        queue.TryEnqueue(Frame("big", 500));
        Assert.True(queue.IsCongested);

        Assert.Equal(EnqueueOutcome.Dropped, queue.TryEnqueue(Frame("typing", 10, key: "typing:u2")));
        Assert.Equal(EnqueueOutcome.Coalesced, queue.TryEnqueue(Frame("cursor-2", 10, key: "cursor:u1")));
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("message", 100)));

        Assert.Equal(1, queue.DroppedCount);
        Assert.Equal(["cursor-2", "big", "message"], Drain(queue));
    }

    [Fact]
    public void Droppable_frames_are_accepted_again_only_below_the_low_watermark()
    {
        var queue = NewQueue();
        for (var i = 0; i < 6; i++)
        {
            queue.TryEnqueue(Frame($"m{i}", 100));
        }

        Assert.Equal(600, queue.QueuedBytes);

        // 400 bytes: under the high watermark, still above the low one.
        Assert.True(queue.TryRead(out _));
        Assert.True(queue.TryRead(out _));
        Assert.True(queue.IsCongested);
        Assert.Equal(EnqueueOutcome.Dropped, queue.TryEnqueue(Frame("typing", 10, key: "typing:u2")));

        // 200 bytes: at the low watermark.
        Assert.True(queue.TryRead(out _));
        Assert.True(queue.TryRead(out _));
        Assert.False(queue.IsCongested);
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("typing", 10, key: "typing:u2")));
    }

    [Fact]
    public void A_frame_past_the_hard_limit_overflows_once_and_closes_the_queue()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("a", 600));
        queue.TryEnqueue(Frame("b", 300));

        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("c", 200)));

        Assert.True(queue.IsOverflowed);
        Assert.Equal(0, queue.QueuedBytes);
        Assert.Equal(0, queue.QueuedCount);
        Assert.False(queue.TryRead(out _));
        Assert.Equal(EnqueueOutcome.Closed, queue.TryEnqueue(Frame("d", 1)));
    }

    [Fact]
    public async Task After_an_overflow_the_reader_ends_without_the_discarded_frames()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();
        queue.TryEnqueue(Frame("a", 900));
        Assert.Equal("a", (await read.WaitAsync(TimeSpan.FromSeconds(5), ct))?.Type);

        queue.TryEnqueue(Frame("b", 900));
        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("c", 900)));

        Assert.Null(await queue.ReadAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public void A_droppable_frame_past_the_hard_limit_is_dropped_without_overflow()
    {
        var queue = new SendQueue(new SendQueueOptions { LowWatermarkBytes = 900, HighWatermarkBytes = 950, HardLimitBytes = 1000 }, _time);
        queue.TryEnqueue(Frame("a", 900));

        Assert.Equal(EnqueueOutcome.Dropped, queue.TryEnqueue(Frame("price", 200, key: "price:ACME")));
        Assert.False(queue.IsOverflowed);
    }

    [Fact]
    public void Too_many_frames_overflow_even_under_the_byte_limits()
    {
        var queue = NewQueue();
        for (var i = 0; i < Options.MaxQueuedFrames; i++)
        {
            Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame($"m{i}", 1)));
        }

        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("one-too-many", 1)));
    }

    [Fact]
    public void An_empty_queue_takes_a_single_frame_larger_than_the_hard_limit()
    {
        var queue = NewQueue();

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("history", 5000)));
        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("next", 1)));
    }

    [Fact]
    public void Staying_congested_past_the_grace_period_overflows_on_the_next_enqueue()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("big", 600));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("m1", 10)));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("m2", 10)));
        Assert.True(queue.IsOverflowed);
    }

    [Fact]
    public void Draining_to_the_low_watermark_stops_the_slow_consumer_clock()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("big-1", 600));
        _time.Advance(TimeSpan.FromSeconds(8));

        Assert.True(queue.TryRead(out _));
        queue.TryEnqueue(Frame("big-2", 600));
        _time.Advance(TimeSpan.FromSeconds(8));

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("m", 10)));
    }

    [Fact]
    public void Hovering_just_under_the_high_watermark_does_not_stop_the_slow_consumer_clock()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("a", 300));
        queue.TryEnqueue(Frame("b", 300));
        _time.Advance(TimeSpan.FromSeconds(6));

        // Reading one frame dips to 300 bytes, above the low watermark: still congested.
        Assert.True(queue.TryRead(out _));
        queue.TryEnqueue(Frame("c", 300));
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("d", 10)));
    }

    [Fact]
    public void A_frame_already_expired_is_refused()
    {
        var queue = NewQueue();

        Assert.Equal(EnqueueOutcome.Expired, queue.TryEnqueue(Frame("late", 10, expiresAt: _time.GetUtcNow())));
        Assert.Equal(1, queue.ExpiredCount);
        Assert.Equal(0, queue.QueuedCount);
    }

    [Fact]
    public void A_frame_that_expires_while_queued_is_skipped_by_the_reader()
    {
        var queue = NewQueue();
        queue.TryEnqueue(Frame("short-lived", 10, expiresAt: _time.GetUtcNow().AddSeconds(1)));
        queue.TryEnqueue(Frame("kept", 10));

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(["kept"], Drain(queue));
        Assert.Equal(1, queue.ExpiredCount);
        Assert.Equal(0, queue.QueuedBytes);
    }

    [Fact]
    public async Task A_waiting_reader_wakes_for_a_new_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();

        var read = queue.ReadAsync(ct).AsTask();
        Assert.False(read.IsCompleted);
        queue.TryEnqueue(Frame("hello", 10));

        var frame = await read.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.Equal("hello", frame?.Type);
    }

    [Fact]
    public async Task Complete_lets_the_reader_drain_then_ends_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        queue.TryEnqueue(Frame("a", 10));
        queue.TryEnqueue(Frame("b", 10));

        queue.Complete();

        Assert.Equal(EnqueueOutcome.Closed, queue.TryEnqueue(Frame("c", 10)));
        var read = new List<string>();
        await foreach (var frame in queue.ReadAllAsync(ct).WithCancellation(ct))
        {
            read.Add(frame.Type);
        }

        Assert.Equal(["a", "b"], read);
        Assert.Null(await queue.ReadAsync(ct));
    }

    [Fact]
    public async Task Complete_ends_a_reader_that_is_waiting()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var wait = queue.WaitToReadAsync(ct).AsTask();

        queue.Complete();

        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(5), ct));
        var read = queue.ReadAsync(ct).AsTask();
        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public async Task Abort_ends_a_reader_waiting_for_a_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();

        queue.Abort();

        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public async Task Abort_discards_queued_frames_and_ends_the_reader()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        queue.TryEnqueue(Frame("a", 10));

        queue.Abort();

        Assert.Equal(0, queue.QueuedCount);
        Assert.False(queue.IsOverflowed);
        Assert.Null(await queue.ReadAsync(ct));
        Assert.Equal(EnqueueOutcome.Closed, queue.TryEnqueue(Frame("b", 10)));
    }

    [Fact]
    public async Task A_waiting_read_can_be_cancelled()
    {
        var queue = NewQueue();
        using var cts = new CancellationTokenSource();
        var read = queue.ReadAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task After_a_cancelled_wait_the_reader_can_wait_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        using (var cts = new CancellationTokenSource())
        {
            var cancelled = queue.ReadAsync(cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(5), ct));
        }

        for (var i = 0; i < 3; i++)
        {
            var read = queue.ReadAsync(ct).AsTask();
            queue.TryEnqueue(Frame($"m{i}", 10));
            Assert.Equal($"m{i}", (await read.WaitAsync(TimeSpan.FromSeconds(5), ct))?.Type);
        }
    }

    [Fact]
    public void A_second_concurrent_reader_is_refused()
    {
        var queue = NewQueue();
        _ = queue.WaitToReadAsync(TestContext.Current.CancellationToken);

        Assert.Throws<InvalidOperationException>(() => queue.WaitToReadAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Options_with_the_low_watermark_above_the_high_one_are_rejected()
    {
        var options = new SendQueueOptions { LowWatermarkBytes = 600, HighWatermarkBytes = 500, HardLimitBytes = 1000 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new SendQueue(options, _time));
        Assert.NotEmpty(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }

    [Fact]
    public async Task Concurrent_writers_and_one_reader_deliver_every_accepted_frame_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        const int writers = 4;
        const int perWriter = 5_000;
        var queue = new SendQueue(new SendQueueOptions { MaxQueuedFrames = writers * perWriter }, TimeProvider.System);
        var seen = new HashSet<string>();

        var reader = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync(ct))
            {
                while (queue.TryRead(out var frame))
                {
                    Assert.True(seen.Add(frame.Type));
                }
            }
        }, ct);

        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame($"{w}:{i}", 16)));
            }
        }, ct)).ToArray();

        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30), ct);
        queue.Complete();
        await reader.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(writers * perWriter, seen.Count);
        Assert.Equal(0, queue.QueuedBytes);
    }

    [Fact]
    public async Task A_slow_reader_overflows_while_a_fast_reader_on_the_same_fan_out_gets_everything()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new SendQueueOptions { LowWatermarkBytes = 1_000, HighWatermarkBytes = 4_000, HardLimitBytes = 16_000 };
        var fast = new SendQueue(options, TimeProvider.System);
        var slow = new SendQueue(options, TimeProvider.System);
        var fastReceived = 0;
        var fastReader = Task.Run(async () =>
        {
            await foreach (var frame in fast.ReadAllAsync(ct))
            {
                fastReceived++;
            }
        }, ct);

        var slowOutcomes = new List<EnqueueOutcome>();
        const int messages = 2_000;
        for (var i = 0; i < messages; i++)
        {
            var frame = Frame($"m{i}", 100);
            Assert.Equal(EnqueueOutcome.Accepted, fast.TryEnqueue(frame));
            slowOutcomes.Add(slow.TryEnqueue(frame));
            if (i % 100 == 0)
            {
                // Give the fast reader a chance to keep up, as a real socket would.
                await WaitUntilAsync(() => fast.QueuedCount == 0, ct);
            }
        }

        fast.Complete();
        await fastReader.WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal(messages, fastReceived);
        Assert.Single(slowOutcomes, o => o == EnqueueOutcome.Overflow);
        Assert.True(slow.IsOverflowed);
    }

    [Fact]
    public async Task A_frame_for_an_idle_queue_is_handed_to_its_writer_and_the_reader_stays_asleep()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("now", 10), out var sendNow));

        Assert.True(sendNow);
        Assert.Equal(0, queue.QueuedCount);
        Assert.Equal(0, queue.QueuedBytes);
        queue.EndSend();
        Assert.False(read.IsCompleted);

        queue.Complete();
        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public void A_frame_is_queued_when_the_reader_is_not_waiting()
    {
        var queue = NewQueue();

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("queued", 10), out var sendNow));

        Assert.False(sendNow);
        Assert.Equal(["queued"], Drain(queue));
    }

    [Fact]
    public async Task Frames_offered_during_a_handed_out_send_queue_behind_it_and_the_reader_gets_them_after_it_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();
        queue.TryEnqueue(Frame("first", 10), out var first);

        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("normal", 10), out var second));
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(Frame("urgent", 10, urgent: true), out var third));

        Assert.True(first);
        Assert.False(second || third);
        Assert.Equal(2, queue.QueuedCount);
        Assert.False(queue.TryRead(out _));
        Assert.False(read.IsCompleted);

        queue.EndSend();

        Assert.Equal("urgent", (await read.WaitAsync(TimeSpan.FromSeconds(5), ct))?.Type);
        Assert.Equal(["normal"], Drain(queue));
    }

    [Fact]
    public async Task Coalescing_and_the_watermarks_apply_to_frames_behind_a_handed_out_send()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();
        queue.TryEnqueue(Frame("big-now", 600), out var sendNow);
        Assert.True(sendNow);
        Assert.False(queue.IsCongested);

        queue.TryEnqueue(Frame("price-1", 10, key: "price:ACME"), out _);
        Assert.Equal(EnqueueOutcome.Coalesced, queue.TryEnqueue(Frame("price-2", 10, key: "price:ACME"), out _));
        queue.TryEnqueue(Frame("big-queued", 600), out _);
        Assert.True(queue.IsCongested);
        Assert.Equal(EnqueueOutcome.Dropped, queue.TryEnqueue(Frame("typing", 10, key: "typing:u2"), out _));
        Assert.Equal(EnqueueOutcome.Overflow, queue.TryEnqueue(Frame("past-the-hard-limit", 600), out sendNow));
        Assert.False(sendNow);
        Assert.False(read.IsCompleted);

        queue.EndSend();

        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public async Task A_close_during_a_handed_out_send_ends_the_reader_only_after_the_send_and_the_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();
        queue.TryEnqueue(Frame("sending", 10), out _);
        queue.TryEnqueue(Frame("queued", 10), out _);

        queue.Complete();
        Assert.Equal(EnqueueOutcome.Closed, queue.TryEnqueue(Frame("late", 10), out var sendNow));
        Assert.False(sendNow);
        Assert.False(read.IsCompleted);

        queue.EndSend();

        Assert.Equal("queued", (await read.WaitAsync(TimeSpan.FromSeconds(5), ct))?.Type);
        Assert.Null(await queue.ReadAsync(ct));
    }

    [Fact]
    public async Task No_send_is_handed_out_once_the_queue_is_closed_or_a_frame_expired()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = NewQueue();
        var read = queue.ReadAsync(ct).AsTask();

        Assert.Equal(EnqueueOutcome.Expired, queue.TryEnqueue(Frame("late", 10, expiresAt: _time.GetUtcNow()), out var expired));
        queue.Abort();
        Assert.Equal(EnqueueOutcome.Closed, queue.TryEnqueue(Frame("closed", 10), out var closed));

        Assert.False(expired || closed);
        Assert.Null(await read.WaitAsync(TimeSpan.FromSeconds(5), ct));
    }

    [Fact]
    public void Ending_a_send_that_was_never_handed_out_is_refused()
    {
        var queue = NewQueue();

        Assert.Throws<InvalidOperationException>(queue.EndSend);
    }

    // Writers send what they are handed themselves, as Connection.Send does; the reader sends the
    // rest. Every seventh send completes later, on another thread, as a socket with a full buffer does.
    [Fact]
    public async Task Writers_sending_for_themselves_and_the_reader_never_send_at_once_and_keep_each_writers_order()
    {
        var ct = TestContext.Current.CancellationToken;
        const int writers = 4;
        const int perWriter = 5_000;
        var queue = new SendQueue(new SendQueueOptions { MaxQueuedFrames = writers * perWriter }, TimeProvider.System);
        var socket = new FakeSocket();

        var reader = Task.Run(async () =>
        {
            while (await queue.ReadAsync(ct) is { } frame)
            {
                await socket.SendAsync(frame, byWriter: false);
            }
        }, ct);

        // A frame is handed to its writer only while the reader waits on an empty queue. On a busy
        // machine the writers can keep the queue non-empty for the whole run, so one hand-out is
        // made sure of first, instead of hoping the timing below produces one.
        var primers = 0;
        await Eventually.UntilAsync(() => Offer($"p:{primers++}"), TimeSpan.FromSeconds(10), ct, "the reader waits on the empty queue");

        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                Offer($"{w}:{i}");
            }
        }, ct)).ToArray();

        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30), ct);
        queue.Complete();
        await reader.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(0, socket.Overlaps);
        var sent = socket.Sent();
        Assert.Equal((writers * perWriter) + primers, sent.Count);
        for (var w = 0; w < writers; w++)
        {
            var prefix = $"{w}:";
            Assert.Equal(
                Enumerable.Range(0, perWriter),
                sent.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Select(t => int.Parse(t[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.True(socket.ByWriter > 0, "no writer was handed a send");
        Assert.True(socket.ByReader > 0, "nothing queued behind a writer's send");

        // Queues the frame, or sends it when handed it, as Connection.Send does; true when handed it.
        bool Offer(string text)
        {
            var frame = Frame(text, 16);
            Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(frame, out var sendNow));
            if (sendNow)
            {
                var send = socket.SendAsync(frame, byWriter: true);
                if (send.IsCompleted)
                {
                    queue.EndSend();
                }
                else
                {
                    _ = send.ContinueWith(_ => queue.EndSend(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                }
            }

            return sendNow;
        }
    }

    private sealed class FakeSocket
    {
        private readonly Lock _lock = new();
        private readonly List<string> _sent = [];
        private int _inFlight;
        private int _overlaps;
        private int _byWriter;
        private int _byReader;

        public int Overlaps => Volatile.Read(ref _overlaps);

        public int ByWriter => Volatile.Read(ref _byWriter);

        public int ByReader => Volatile.Read(ref _byReader);

        public List<string> Sent()
        {
            lock (_lock)
            {
                return [.. _sent];
            }
        }

        public async Task SendAsync(OutboundFrame frame, bool byWriter)
        {
            if (Interlocked.Increment(ref _inFlight) != 1)
            {
                Interlocked.Increment(ref _overlaps);
            }

            Interlocked.Increment(ref byWriter ? ref _byWriter : ref _byReader);
            int count;
            lock (_lock)
            {
                _sent.Add(frame.Type);
                count = _sent.Count;
            }

            if (count % 7 == 0)
            {
                await Task.Yield();
            }

            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }

    private SendQueue NewQueue() => new(Options, _time);

    private static OutboundFrame Frame(string type, int size, string? key = null, bool urgent = false, DateTimeOffset? expiresAt = null) =>
        new(new byte[size], type, key, urgent, expiresAt);

    private static List<string> Drain(SendQueue queue)
    {
        var types = new List<string>();
        while (queue.TryRead(out var frame))
        {
            types.Add(frame.Type);
        }

        return types;
    }
}
