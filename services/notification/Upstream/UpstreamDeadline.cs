namespace Suite.Notification.Upstream;

/// <summary>
/// gRPC deadlines travel to the server as wall-clock time, so they come from the system clock even
/// when tests drive the service's own time with a fake one.
/// </summary>
public static class UpstreamDeadline
{
    public static DateTime After(TimeSpan timeout) => TimeProvider.System.GetUtcNow().UtcDateTime + timeout;
}
