namespace Suite.Launcher;

/// <summary>One suite service as the launcher starts it: its project folder, assembly and app id.</summary>
/// <param name="GrpcPortSetting">The Kestrel endpoint names the service's appsettings declare ("Grpc" and "Http"); null for the edge, which listens on one HTTP/1.1 port.</param>
public sealed record SuiteService(string Folder, string Assembly, string AppId, bool HasGrpcEndpoint)
{
    public static SuiteService Presence { get; } = new("presence", "Suite.Presence", "presence", true);

    public static SuiteService Room { get; } = new("room", "Suite.Room", "room", true);

    public static SuiteService Notification { get; } = new("notification", "Suite.Notification", "notification", true);

    public static SuiteService Edge(int ordinal) => new("edge", "Suite.Edge", $"edge-{ordinal}", false);
}
