using Microsoft.Extensions.Hosting;

namespace Suite.Embedded;

/// <summary>
/// The lifetime of each app in the embedded suite: it does not listen for Ctrl+C or SIGTERM.
/// </summary>
/// <remarks>
/// A web app's default lifetime stops its app on either signal, so all of the suite's apps (services
/// and sidecars) began stopping at once, and a service still renewing its lease or reading its delivery
/// stream found its sidecar gone and logged warnings with stack traces on every clean stop. The suite's
/// own handler stops them in order instead (<see cref="EmbeddedSuite.DisposeAsync"/>: each service
/// before its sidecar).
/// </remarks>
internal sealed class MemberLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
