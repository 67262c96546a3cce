using System.Collections.Concurrent;
using System.Diagnostics;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Clients;

/// <summary>
/// Opens many authenticated clients across the edges (round robin) at a bounded rate and keeps
/// them: connect times go to a histogram, failures are counted by reason.
/// </summary>
internal sealed class ClientFleet : IAsyncDisposable
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(6);
    private readonly ISystemUnderTest _system;
    private readonly LoopbackSources _sources;
    private readonly HttpMessageInvoker _invoker;
    private readonly ConcurrentBag<IGatewayClient> _clients = [];
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private int _attempted;
    private int _failed;

    public ClientFleet(ISystemUnderTest system, int sourceAddresses)
    {
        _system = system;
        _sources = new LoopbackSources(sourceAddresses);
        _invoker = new HttpMessageInvoker(_sources.CreateHandler());
    }

    public Latency ConnectTimes { get; } = new();

    public int Attempted => Volatile.Read(ref _attempted);

    public int Connected => _clients.Count;

    public int Failed => Volatile.Read(ref _failed);

    public IReadOnlyCollection<IGatewayClient> Clients => _clients;

    /// <summary>Bytes the fleet's connections have read from the server so far (<see cref="LoopbackSources.ReceivedBytes"/>).</summary>
    public long ReceivedBytes => _sources.ReceivedBytes;

    /// <summary>The connected clients by their index.</summary>
    public IReadOnlyDictionary<int, IGatewayClient> ByIndex() => _clients.ToDictionary(c => c.Index);

    public IReadOnlyDictionary<string, int> Failures => _failures;

    /// <summary>Opens clients <paramref name="first"/> … first+count-1 (user ids "load-{index}") at up to <paramref name="perSecond"/> a second.</summary>
    public async Task<TimeSpan> OpenAsync(int first, int count, int perSecond, int concurrency, IBenchObserver? observer, Func<IGatewayClient, object?>? state, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var inFlight = new SemaphoreSlim(concurrency);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            await inFlight.WaitAsync(cancellationToken);
            var index = first + i;
            tasks.Add(OpenOneAsync(index, observer, state, inFlight, cancellationToken));
        }

        await Task.WhenAll(tasks);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The user id of client <paramref name="index"/>.</summary>
    public static string UserId(int index) => "load-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The edge client <paramref name="index"/> connects to: round robin, so a room's or a pair's members land on different edges.</summary>
    public EdgeTarget EdgeFor(int index) => _system.Edges[index % _system.Edges.Count];

    /// <summary>Nothing to measure without a single client: say why they failed.</summary>
    public void ThrowIfNoneConnected()
    {
        if (Connected == 0)
        {
            throw new InvalidOperationException($"no client connected: {string.Join("; ", _failures.Select(f => $"{f.Value} x {f.Key}"))}");
        }
    }

    public async Task CloseAllAsync(int concurrency = 256)
    {
        var all = new List<IGatewayClient>();
        while (_clients.TryTake(out var client))
        {
            all.Add(client);
        }

        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, (client, _) => client.DisposeAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAllAsync();
        _invoker.Dispose();
    }

    /// <summary>Drops every client at once without a close handshake (a network blip, a crashed load balancer); returns how many.</summary>
    public int AbortAll()
    {
        var aborted = 0;
        while (_clients.TryTake(out var client))
        {
            client.Abort();
            _ = client.DisposeAsync().AsTask();
            aborted++;
        }

        return aborted;
    }

    /// <summary>One connection attempt for client <paramref name="index"/>: counted, timed, its failure reason kept; true when it connected.</summary>
    public async Task<bool> TryOpenAsync(int index, IBenchObserver? observer, Func<IGatewayClient, object?>? state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempted);
        var client = _system.CreateClient(index, UserId(index), observer);
        client.State = state?.Invoke(client);
        try
        {
            var token = DevToken.Create(_system.SigningKey, client.UserId, TokenLifetime);
            var elapsed = await client.ConnectAsync(EdgeFor(index), token, _invoker, cancellationToken);
            ConnectTimes.RecordMicros((long)elapsed.TotalMicroseconds);
            _clients.Add(client);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failed);
            var reason = ex.GetBaseException().Message;
            _failures.AddOrUpdate(reason.Length > 120 ? reason[..120] : reason, 1, (_, n) => n + 1);
            await client.DisposeAsync();
            return false;
        }
    }

    private async Task OpenOneAsync(int index, IBenchObserver? observer, Func<IGatewayClient, object?>? state, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await TryOpenAsync(index, observer, state, cancellationToken);
        }
        finally
        {
            inFlight.Release();
        }
    }
}
