namespace Suite.Launcher;

internal static class SidecarHealth
{
    /// <summary>
    /// Waits for the sidecar's full health (204 on /v1.0/healthz): the app is up and its
    /// subscriptions run, so nothing published after this is missed.
    /// </summary>
    public static async Task WaitUntilReadyAsync(int sidecarHttpPort, TimeSpan timeout, RunningService service, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sidecarHttpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/v1.0/healthz", cancellationToken);
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
                throw new TimeoutException($"{service.AppId} did not become ready within {timeout}:\n{service.Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
