using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Suite.Embedded.Tests;

/// <summary>
/// The requests every ASP.NET Core host in this process begins (Kestrel's and the in-memory
/// server's alike), as "host:port/path", from ASP.NET Core's diagnostic events.
/// </summary>
public sealed class HostedRequests : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string BeginRequest = "Microsoft.AspNetCore.Hosting.BeginRequest";
    private readonly ConcurrentQueue<string> _seen = new();
    private readonly ConcurrentBag<IDisposable> _subscriptions = [];
    private readonly IDisposable _listeners;

    public HostedRequests() => _listeners = DiagnosticListener.AllListeners.Subscribe(this);

    public IReadOnlyCollection<string> Seen => _seen;

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.AspNetCore")
        {
            _subscriptions.Add(listener.Subscribe(this, name => name == BeginRequest));
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == BeginRequest && value.Value?.GetType().GetProperty("httpContext")?.GetValue(value.Value) is HttpContext context)
        {
            _seen.Enqueue($"{context.Request.Host}{context.Request.Path}");
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _listeners.Dispose();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
