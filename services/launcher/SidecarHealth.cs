namespace Suite.Launcher;

internal static class SidecarHealth
{
    /// <summary>
    /// Waits for the sidecar's full health (204 on /v1.0/healthz: the app is up and its declared
    /// subscriptions run), then for the app's own /readyz: subscriptions the app opens itself (the
    /// edge's streaming subscriptions) are invisible to the sidecar's health. After this nothing
    /// published is missed.
    /// </summary>
    public static async Task WaitUntilReadyAsync(int sidecarHttpPort, TimeSpan timeout, RunningService service, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        await WaitForAsync(new Uri($"http://127.0.0.1:{sidecarHttpPort}/v1.0/healthz"), deadline, timeout, service, cancellationToken);
        await WaitForAsync(new Uri($"http://127.0.0.1:{service.HttpPort}/readyz"), deadline, timeout, service, cancellationToken);
    }

    private static async Task WaitForAsync(Uri probe, DateTime deadline, TimeSpan timeout, RunningService service, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(probe, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // One probe outlived the client's timeout (a busy machine); the deadline decides.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{service.AppId} did not become ready ({probe}) within {timeout}:\n{service.Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
