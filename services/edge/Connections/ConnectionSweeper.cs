using Microsoft.Extensions.Options;
using Suite.Edge.Auth;

namespace Suite.Edge.Connections;

/// <summary>
/// One timer for the whole edge instead of several per connection: every second it closes
/// connections that did not authenticate in time, went idle for too long, or outlived their token;
/// marks quiet ones Idle; and refills every connection's rate budget.
/// </summary>
public sealed partial class ConnectionSweeper(
    ConnectionRegistry registry,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<AuthOptions> authOptions,
    TimeProvider time,
    ILogger<ConnectionSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Sweep(time.GetUtcNow());
        }
    }

    public void Sweep(DateTimeOffset now)
    {
        var options = connectionOptions.Value;
        var auth = authOptions.Value;
        foreach (var connection in registry.All)
        {
            connection.ReplenishRate();
            var quiet = now - connection.LastClientFrameAt;
            switch (connection.State)
            {
                case ConnectionState.Connecting or ConnectionState.Authenticating when now - connection.ConnectedAt >= auth.AuthTimeout:
                    connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, "no valid auth within the auth timeout", Flush: true));
                    break;
                case ConnectionState.Active or ConnectionState.Idle when quiet >= options.IdleTimeout:
                    connection.RequestClose(new CloseRequest(CloseCodes.IdleTimeout, $"idle for {options.IdleTimeout.TotalSeconds:0}s", Flush: true));
                    break;
                case ConnectionState.Active or ConnectionState.Idle when connection.Identity?.TokenExpiresAt is { } expiresAt && auth.SessionEndsAt(expiresAt) <= now:
                    connection.RequestClose(new CloseRequest(CloseCodes.TokenExpired, "token expired; reconnect with a fresh token", Flush: true));
                    break;
                case ConnectionState.Active when quiet >= options.IdleAfter:
                    connection.TransitionTo(ConnectionState.Idle);
                    ConnectionsLog.StateChanged(logger, connection.Id, ConnectionState.Idle);
                    break;
            }
        }
    }
}
