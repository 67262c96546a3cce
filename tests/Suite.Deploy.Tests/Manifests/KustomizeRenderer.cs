using System.Text.Json.Nodes;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>
/// Renders a kustomization the way <c>kubectl apply -k</c> would, for the fields deploy/k8s uses:
/// resources (files and kustomization folders), namespace, labels, images, secret and ConfigMap
/// generators (keys only: their values are not in git) and strategic-merge patches by path. A field
/// it does not know fails the render, so a kustomization that outgrows it is noticed, not half-read.
/// </summary>
public static class KustomizeRenderer
{
    private static readonly HashSet<string> Known =
        ["apiVersion", "kind", "resources", "namespace", "labels", "images", "generatorOptions", "secretGenerator", "configMapGenerator", "patches"];

    // Namespaced is the default; these are not.
    private static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding"];

    public static IReadOnlyList<Resource> Render(string folder)
    {
        var file = Path.Combine(folder, "kustomization.yaml");
        var kustomization = YamlDocuments.Load(file).Single();
        var unknown = kustomization.Select(p => p.Key).Where(k => !Known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new NotSupportedException($"{file}: the test's renderer does not know {string.Join(", ", unknown)}; teach Manifests/KustomizeRenderer.cs");
        }

        var resources = new List<Resource>();
        foreach (var entry in kustomization.Strings("resources"))
        {
            var path = Path.GetFullPath(Path.Combine(folder, entry));
            if (Directory.Exists(path))
            {
                resources.AddRange(Render(path));
            }
            else if (File.Exists(path))
            {
                resources.AddRange(YamlDocuments.Load(path).Select(body => new Resource(body, Relative(path))));
            }
            else
            {
                throw new FileNotFoundException($"{file}: resource {entry} does not exist", path);
            }
        }

        resources.AddRange(Generated(kustomization, "secretGenerator", "Secret", folder));
        resources.AddRange(Generated(kustomization, "configMapGenerator", "ConfigMap", folder));

        foreach (var patch in kustomization.Items("patches"))
        {
            var path = Path.Combine(folder, patch.Str("path") ?? throw new NotSupportedException($"{file}: only patches with a path are supported"));
            foreach (var body in YamlDocuments.Load(path))
            {
                var target = resources.SingleOrDefault(r => r.Kind == body.Str("kind") && r.Name == body.Str("metadata", "name"))
                    ?? throw new InvalidDataException($"{path}: patches {body.Str("kind")} {body.Str("metadata", "name")}, which the kustomization does not have");
                StrategicMerge.Apply(target.Body, body);
            }
        }

        foreach (var resource in resources)
        {
            Apply(kustomization, resource);
        }

        return resources;
    }

    private static void Apply(JsonObject kustomization, Resource resource)
    {
        if (resource.Body["metadata"] is not JsonObject metadata)
        {
            resource.Body["metadata"] = metadata = [];
        }
        if (kustomization.Str("namespace") is { } ns && !ClusterScoped.Contains(resource.Kind))
        {
            metadata["namespace"] = ns;
        }

        foreach (var labels in kustomization.Items("labels"))
        {
            if (metadata["labels"] is not JsonObject target)
            {
                metadata["labels"] = target = [];
            }
            foreach (var (key, value) in labels.At("pairs") as JsonObject ?? [])
            {
                target[key] = value?.DeepClone();
            }
        }

        foreach (var image in kustomization.Items("images"))
        {
            foreach (var container in PodTemplate.Containers(resource.Body))
            {
                if (container.Str("image") == image.Str("name") && image.Str("newTag") is { } tag)
                {
                    container["image"] = $"{image.Str("newName") ?? image.Str("name")}:{tag}";
                }
            }
        }
    }

    // A generated Secret or ConfigMap with the keys its env files declare. The real files hold
    // values and are not in git; their committed "<file>.example" declares the same keys.
    private static IEnumerable<Resource> Generated(JsonObject kustomization, string field, string kind, string folder)
    {
        foreach (var generator in kustomization.Items(field))
        {
            var data = new JsonObject();
            foreach (var literal in generator.Strings("literals"))
            {
                data[literal.Split('=', 2)[0]] = "";
            }

            foreach (var env in generator.Strings("envs"))
            {
                var path = Path.Combine(folder, env);
                var source = File.Exists(path) ? path : path + ".example";
                if (!File.Exists(source))
                {
                    throw new FileNotFoundException($"{kind} {generator.Str("name")}: neither {env} nor {env}.example exists in {folder}", path);
                }

                foreach (var line in File.ReadAllLines(source).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
                {
                    data[line.Split('=', 2)[0]] = "";
                }
            }

            yield return new Resource(
                new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = kind,
                    ["metadata"] = new JsonObject { ["name"] = generator.Str("name") },
                    ["data"] = data,
                },
                Relative(Path.Combine(folder, "kustomization.yaml")));
        }
    }

    private static string Relative(string path) => Path.GetRelativePath(Suite.LocalServers.RepositoryRoot.Find(), path);
}
