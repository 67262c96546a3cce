namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// The sending side of one numbered stream (a room's sender, the direct messages, the business
/// events): what was sent and what the server finally refused (an <c>error</c> frame naming the
/// message, after the retries; a failed publish). Accepted = sent and not refused: every recipient
/// must show each accepted number. Thread-safe.
/// </summary>
internal sealed class SentLog
{
    private readonly NumberSet _sent = new();
    private readonly NumberSet _refused = new();
    private readonly Lock _gate = new();
    private long _highest = -1;

    public long Sent
    {
        get
        {
            lock (_gate)
            {
                return _sent.Count;
            }
        }
    }

    public long Refused
    {
        get
        {
            lock (_gate)
            {
                return _refused.Count;
            }
        }
    }

    public long Accepted
    {
        get
        {
            lock (_gate)
            {
                return _sent.Count - _refused.Count;
            }
        }
    }

    public void MarkSent(long n)
    {
        lock (_gate)
        {
            _sent.Add(n);
            _highest = Math.Max(_highest, n);
        }
    }

    public void MarkRefused(long n)
    {
        lock (_gate)
        {
            if (_sent.Contains(n))
            {
                _refused.Add(n);
            }
        }
    }

    /// <summary>The accepted numbers, lowest first.</summary>
    public List<long> AcceptedNumbers()
    {
        lock (_gate)
        {
            var accepted = new List<long>();
            for (var n = 0L; n <= _highest; n++)
            {
                if (_sent.Contains(n) && !_refused.Contains(n))
                {
                    accepted.Add(n);
                }
            }

            return accepted;
        }
    }

    public bool IsAccepted(long n)
    {
        lock (_gate)
        {
            return _sent.Contains(n) && !_refused.Contains(n);
        }
    }
}
