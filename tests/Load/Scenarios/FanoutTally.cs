using System.Diagnostics;
using System.Text.Json;
using Suite.Load.Clients;
using Suite.Load.Measurement;

namespace Suite.Load.Scenarios;

/// <summary>
/// Counts the numbered <c>bench</c> frames every client receives: which numbers each got (a bitmap,
/// so a repeat is a duplicate and a gap is a loss) and the latency from the time carried in the frame
/// (a <see cref="Stopwatch"/> timestamp of this process, so no clock skew).
/// </summary>
internal sealed class FanoutTally(int expectedPerClient) : IFrameObserver
{
    public const string FrameType = "bench";
    private long _frames;
    private long _duplicates;
    private long _unexpected;
    private long _lastFrame;

    public int ExpectedPerClient => expectedPerClient;

    public Latency Latency { get; } = new();

    public long Frames => Interlocked.Read(ref _frames);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Bench frames with a number outside the run's range.</summary>
    public long Unexpected => Interlocked.Read(ref _unexpected);

    /// <summary>Stopwatch timestamp of the last bench frame received.</summary>
    public long LastFrame => Interlocked.Read(ref _lastFrame);

    public Received NewState() => new(expectedPerClient);

    public void OnFrame(LoadClient client, ReadOnlySpan<byte> frame)
    {
        if (!TryRead(frame, out var n, out var sentAt))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        Latency.RecordMicros((long)Stopwatch.GetElapsedTime(sentAt, now).TotalMicroseconds);
        Interlocked.Increment(ref _frames);
        long last;
        while ((last = Interlocked.Read(ref _lastFrame)) < now && Interlocked.CompareExchange(ref _lastFrame, now, last) != last)
        {
        }

        var received = (Received)client.State!;
        if (n < 0 || n >= expectedPerClient)
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }

        if (!received.Mark(n))
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    /// <summary>Reads {"type":"bench","content":{"n":…,"t":…},…}; false for any other frame.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> frame, out long n, out long sentAt)
    {
        n = -1;
        sentAt = 0;
        var bench = false;
        var reader = new Utf8JsonReader(frame);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (!reader.ValueTextEquals(FrameType))
                    {
                        return false;
                    }

                    bench = true;
                }
                else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("n"u8))
                {
                    reader.Read();
                    n = reader.GetInt64();
                }
                else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("t"u8))
                {
                    reader.Read();
                    sentAt = reader.GetInt64();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return bench && n >= 0 && sentAt != 0;
    }

    /// <summary>One client's received numbers; touched only by that client's receive loop.</summary>
    internal sealed class Received(int expected)
    {
        private readonly ulong[] _bits = new ulong[(expected + 63) / 64];
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>False when <paramref name="n"/> was already received.</summary>
        public bool Mark(long n)
        {
            ref var word = ref _bits[n >> 6];
            var bit = 1UL << (int)(n & 63);
            if ((word & bit) != 0)
            {
                return false;
            }

            word |= bit;
            Interlocked.Increment(ref _count);
            return true;
        }
    }
}
