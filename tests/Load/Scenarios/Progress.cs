namespace Suite.Load.Scenarios;

/// <summary>
/// The live status line: scenarios set <see cref="Status"/> to a function of their counters, and a
/// timer prints it to stderr (rewritten in place on a terminal, one line every few seconds otherwise),
/// so stdout stays clean for the JSON result.
/// </summary>
internal sealed class Progress : IAsyncDisposable
{
    private readonly TextWriter? _writer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _inPlace;
    private volatile Func<string>? _status;
    private string _phase = "";

    public Progress(TextWriter? writer)
    {
        _writer = writer;
        _inPlace = writer is not null && !Console.IsErrorRedirected;
        _loop = writer is null ? Task.CompletedTask : LoopAsync();
    }

    /// <summary>No output (tests).</summary>
    public static Progress Silent => new(null);

    public void Phase(string phase, Func<string>? status = null)
    {
        _phase = phase;
        _status = status;
        Print(newLine: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (_writer is not null && _inPlace)
        {
            _writer.WriteLine();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_inPlace ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(3));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Print(newLine: false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Print(bool newLine)
    {
        if (_writer is null)
        {
            return;
        }

        string status;
        try
        {
            status = _status is { } s ? ": " + s() : "";
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // A counter read mid-update; the next tick shows it.
            status = "";
        }

        var line = $"[{DateTime.Now:HH:mm:ss}] {_phase}{status}";
        lock (_writer)
        {
            if (_inPlace)
            {
                _writer.Write((newLine ? "\n" : "\r") + line + "\u001b[K");
            }
            else if (newLine || _status is not null)
            {
                _writer.WriteLine(line);
            }
        }
    }
}
