namespace Suite.Edge.Delivery;

// A growable power-of-two ring addressed by a running sequence number, so a queued frame keeps a
// stable address (its sequence) across growth; the send queue coalesces by writing to that address.
// Not thread-safe: the send queue holds its lock around every call.
internal struct FrameRing
{
    // An idle connection should not keep the array a burst grew to.
    private const int RetainedCapacity = 16;

    private OutboundFrame?[]? _items;
    private long _head;
    private long _tail;

    public readonly int Count => (int)(_tail - _head);

    public long Enqueue(OutboundFrame frame)
    {
        if (_items is null || Count == _items.Length)
        {
            Grow();
        }

        var sequence = _tail++;
        _items![sequence & (_items.Length - 1)] = frame;
        return sequence;
    }

    public OutboundFrame Dequeue()
    {
        var items = _items!;
        var index = _head & (items.Length - 1);
        var frame = items[index]!;
        items[index] = null;
        _head++;

        if (_head == _tail && items.Length > RetainedCapacity)
        {
            _items = null;
        }

        return frame;
    }

    public readonly OutboundFrame At(long sequence) => _items![sequence & (_items.Length - 1)]!;

    public readonly void Replace(long sequence, OutboundFrame frame) => _items![sequence & (_items.Length - 1)] = frame;

    public void Clear()
    {
        _items = null;
        _head = _tail;
    }

    private void Grow()
    {
        var old = _items;
        var items = new OutboundFrame?[old is null ? 4 : old.Length * 2];
        if (old is not null)
        {
            for (var sequence = _head; sequence < _tail; sequence++)
            {
                items[sequence & (items.Length - 1)] = old[sequence & (old.Length - 1)];
            }
        }

        _items = items;
    }
}
