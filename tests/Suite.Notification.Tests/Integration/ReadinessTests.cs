using System.Net;
using Suite.Testing;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// Readiness that means ready (issue 14): without its sidecar notification can neither take
/// business events nor publish deliveries, so /readyz fails while /healthz (the process) passes.
/// A host of its own, since the sidecar is stopped.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly NotificationHost _host = new();

    public ValueTask InitializeAsync() => _host.InitializeAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Notification_is_ready_only_while_its_sidecar_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = _host.CallbackAddress, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), ct, "/readyz passes with the sidecar up");

        await _host.StopSidecarAsync();

        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode, status => status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), ct, "/readyz fails with the sidecar down");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", ct)).StatusCode);
    }
}
