namespace Suite.Testing;

/// <summary>A temporary <c>--resources-path</c> folder holding the YAML a test gives it.</summary>
public sealed class ResourcesFolder : IDisposable
{
    // The inbound policy the conformance tests count on: three quick retries per delivery.
    public const string Resiliency = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: conformance
        spec:
          policies:
            retries:
              quick:
                policy: constant
                duration: 50ms
                maxRetries: 3
          targets:
            components:
              pubsub:
                inbound:
                  retry: quick
        """;

    public ResourcesFolder(params (string FileName, string Yaml)[] files)
    {
        Path = Directory.CreateTempSubdirectory("suite-resources-").FullName;
        foreach (var (fileName, yaml) in files)
        {
            File.WriteAllText(System.IO.Path.Combine(Path, fileName), yaml);
        }
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
