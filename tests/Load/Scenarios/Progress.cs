using Spectre.Console;
using Spectre.Console.Rendering;

namespace Suite.Load.Scenarios;

/// <summary>
/// The live display on stderr (stdout stays clean for the JSON result): scenarios set a phase and a
/// function of their counters. On a terminal it is a Spectre.Console live panel redrawn four times a
/// second; otherwise one line per phase and one status line every few seconds, for logs.
/// </summary>
internal sealed class Progress : IAsyncDisposable
{
    private readonly TextWriter? _writer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile Func<string>? _status;
    private volatile string _phase = "";
    private volatile string _title = "";
    private DateTime _phaseStarted = DateTime.UtcNow;

    public Progress(TextWriter? writer)
    {
        _writer = writer;
        _loop = writer is null ? Task.CompletedTask
            : Console.IsErrorRedirected ? PlainLoopAsync(writer)
            : LiveLoopAsync(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) }));
    }

    /// <summary>No output (tests).</summary>
    public static Progress Silent => new(null);

    /// <summary>What is running (system and scenario), shown above the phase.</summary>
    public void Title(string title)
    {
        _title = title;
        WritePlain($"== {title}");
    }

    public void Phase(string phase, Func<string>? status = null)
    {
        _phase = phase;
        _status = status;
        _phaseStarted = DateTime.UtcNow;
        WritePlain($"[{DateTime.Now:HH:mm:ss}] {phase}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private string StatusText()
    {
        try
        {
            return _status is { } s ? s() : "";
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // A counter read mid-update; the next tick shows it.
            return "";
        }
    }

    private void WritePlain(string line)
    {
        if (_writer is not null && Console.IsErrorRedirected)
        {
            lock (_writer)
            {
                _writer.WriteLine(line);
            }
        }
    }

    private async Task PlainLoopAsync(TextWriter writer)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(3));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (_status is not null)
                {
                    WritePlain($"[{DateTime.Now:HH:mm:ss}] {_phase}: {StatusText()}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task LiveLoopAsync(IAnsiConsole console) =>
        console.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    context.UpdateTarget(Render());
                    await Task.Delay(250, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }

            context.UpdateTarget(Render());
        });

    private IRenderable Render()
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow(new Markup("[bold]run[/]"), new Text(_title));
        grid.AddRow(new Markup("[bold]phase[/]"), new Text($"{_phase} ({(DateTime.UtcNow - _phaseStarted).TotalSeconds:F0} s)"));
        grid.AddRow(new Markup("[bold]status[/]"), new Text(StatusText()));
        return new Panel(grid).Header("Suite.Load").Border(BoxBorder.Rounded);
    }
}
