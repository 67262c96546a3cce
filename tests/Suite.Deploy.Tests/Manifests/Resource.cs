using System.Text.Json.Nodes;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>One Kubernetes (or Dapr) resource and the file it came from, for messages that point at it.</summary>
public sealed record Resource(JsonObject Body, string Source)
{
    public string Kind => Body.Str("kind") ?? "";

    public string Name => Body.Str("metadata", "name") ?? "";

    public override string ToString() => $"{Kind} {Name} ({Source})";
}
