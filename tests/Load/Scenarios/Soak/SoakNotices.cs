namespace Suite.Load.Scenarios.Soak;

/// <summary>The business events the soak publishes: acknowledged (<c>ack: true</c>), to one user each, under this <c>payload.type</c>.</summary>
internal static class SoakNotices
{
    public const string Type = "soak_notice";
}
