using System.Globalization;
using System.Text.Json.Nodes;
using Suite.Deploy.Tests.Facts;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests.Checks;

/// <summary>
/// The references a deployment must get right, each as a list of problems (empty = right), so a test
/// can show both that the real manifests pass and that a broken one is caught.
/// </summary>
public static class DeploymentChecks
{
    public static IEnumerable<string> AppIds(RenderedDeployment d)
    {
        foreach (var workload in d.DaprWorkloads)
        {
            if (SuiteApp.ByAppId(workload.Annotation("dapr.io/app-id")) is null)
            {
                yield return $"{workload}: dapr.io/app-id '{workload.Annotation("dapr.io/app-id")}' is none of the suite's apps ({string.Join(", ", SuiteApp.All.Select(a => a.AppId))})";
            }
        }

        foreach (var app in SuiteApp.All)
        {
            var count = d.WorkloadsOf(app).Count();
            if (count != 1)
            {
                yield return $"{count} workloads have dapr.io/app-id {app.AppId}; one is expected";
            }
        }
    }

    public static IEnumerable<string> Ports(RenderedDeployment d)
    {
        foreach (var (app, workload, container, ports) in d.SuiteContainers())
        {
            if (workload.Annotation("dapr.io/app-port") != ports.CallbackPort.ToString(CultureInfo.InvariantCulture))
            {
                yield return $"{workload}: dapr.io/app-port is '{workload.Annotation("dapr.io/app-port")}', but {app.AppId} serves the Dapr callbacks on {ports.CallbackPort}";
            }

            if (workload.Annotation("dapr.io/app-protocol") != "http")
            {
                yield return $"{workload}: dapr.io/app-protocol is '{workload.Annotation("dapr.io/app-protocol")}'; the callback port speaks http (HTTP/1.1)";
            }

            var declared = container.Items("ports").Select(p => p.Int("containerPort")).ToHashSet();
            List<int> expected = app.IsEdge ? [.. ports.PublicPorts] : [.. ports.PublicPorts, ports.GrpcPort!.Value];
            foreach (var port in expected.Where(p => !declared.Contains(p)))
            {
                yield return $"{workload}: the container does not declare port {port}, which {app.AppId} listens on";
            }

            foreach (var port in declared.Where(p => p is not null && !expected.Contains(p.Value)))
            {
                yield return $"{workload}: the container declares port {port}, which {app.AppId} does not listen on from outside the pod (it serves {string.Join(", ", expected)})";
            }
        }
    }

    /// <summary>Services select a workload and target a port it declares; none exposes a callback port; upstream addresses name a Service that reaches the gRPC port.</summary>
    public static IEnumerable<string> Services(RenderedDeployment d)
    {
        var callbackPorts = d.SuiteContainers().ToDictionary(c => c.Workload.Name, c => c.Ports.CallbackPort);
        foreach (var service in d.OfKind("Service"))
        {
            var workload = d.WorkloadSelectedBy(service.Body.At("spec", "selector"));
            if (workload is null)
            {
                yield return $"{service}: its selector matches no workload";
                continue;
            }

            var container = PodTemplate.Containers(workload.Body).First();
            foreach (var port in service.Body.Items("spec", "ports"))
            {
                var target = container.ResolvePort(port.Str("targetPort") ?? port.Str("port"));
                if (target is null)
                {
                    yield return $"{service}: port {port.Str("name")} targets '{port.Str("targetPort")}', which {workload.Name}'s container does not declare";
                }
                else if (callbackPorts.TryGetValue(workload.Name, out var callback) && target == callback)
                {
                    yield return $"{service}: port {port.Str("name")} exposes {target}, the Dapr callback port of {workload.Name}";
                }
            }

            if (service.Body.Str("spec", "sessionAffinity") is { } affinity && affinity != "None")
            {
                yield return $"{service}: sessionAffinity {affinity}; clients may land on any edge";
            }
        }

        foreach (var (app, workload, _, ports) in d.SuiteContainers())
        {
            foreach (var (setting, upstream) in UpstreamSettings(app))
            {
                foreach (var address in (ports.Settings[setting] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (ReachedPort(d, new Uri(address)) is var (reached, port) && (reached != upstream.AppId || port != GrpcPortOf(d, upstream)))
                    {
                        yield return $"{workload}: {setting} {address} reaches {reached ?? "nothing"}:{port?.ToString(CultureInfo.InvariantCulture) ?? "-"}, not {upstream.AppId}'s gRPC port {GrpcPortOf(d, upstream)}";
                    }
                }
            }
        }
    }

    public static IEnumerable<string> Components(RenderedDeployment d)
    {
        foreach (var app in SuiteApp.All)
        {
            foreach (var name in app.Components)
            {
                var components = d.OfKind("Component").Where(c => c.Name == name).ToList();
                if (components.Count != 1)
                {
                    yield return $"{d.Name}: {components.Count} Dapr components named {name}, which {app.AppId} uses; one is expected";
                }
                else if (components[0].Body.At("scopes") is JsonArray && !components[0].Body.Strings("scopes").Contains(app.AppId))
                {
                    yield return $"{components[0]}: its scopes leave out {app.AppId}, which uses it";
                }
            }
        }

        foreach (var resiliency in d.OfKind("Resiliency"))
        {
            foreach (var (component, _) in resiliency.Body.At("spec", "targets", "components") as JsonObject ?? [])
            {
                if (d.Find("Component", component) is null)
                {
                    yield return $"{resiliency}: targets component {component}, which {d.Name} does not have";
                }
            }
        }

        foreach (var workload in d.DaprWorkloads)
        {
            var config = workload.Annotation("dapr.io/config");
            if (config is null || d.Find("Configuration", config) is not { } configuration)
            {
                yield return $"{workload}: dapr.io/config '{config}' names no Configuration";
            }
            else if (configuration.Body.At("spec", "tracing") is null)
            {
                yield return $"{configuration}: no tracing section";
            }
        }
    }

    public static IEnumerable<string> Probes(RenderedDeployment d)
    {
        foreach (var (app, workload, container, ports) in d.SuiteContainers())
        {
            var routes = MappedRoutes.Of(app);
            foreach (var kind in new[] { "readinessProbe", "livenessProbe" })
            {
                var probe = container.At(kind, "httpGet");
                if (probe is null)
                {
                    yield return $"{workload}: no {kind} with httpGet";
                    continue;
                }

                if (!routes.Contains(probe.Str("path") ?? ""))
                {
                    yield return $"{workload}: {kind} asks {probe.Str("path")}, which {app.AppId} does not map (its HTTP routes: {string.Join(", ", routes.Where(r => !r.Contains("Service/", StringComparison.Ordinal) && !r.Contains('{', StringComparison.Ordinal)).Order())})";
                }

                var port = container.ResolvePort(probe.Str("port"));
                if (port is null || !ports.PublicPorts.Contains(port.Value))
                {
                    yield return $"{workload}: {kind} is on port '{probe.Str("port")}' ({port}), not on a port kubelet can reach with HTTP/1.1 ({string.Join(", ", ports.PublicPorts)})";
                }
            }
        }
    }

    public static IEnumerable<string> Secrets(RenderedDeployment d)
    {
        foreach (var (owner, name, key) in SecretReferences(d))
        {
            if (d.Find("Secret", name) is not { } secret)
            {
                yield return $"{owner}: refers to Secret {name}, which {d.Name} does not have";
            }
            else if (key is not null && secret.Body.At("data", key) is null && secret.Body.At("stringData", key) is null)
            {
                yield return $"{owner}: refers to key {key} of Secret {name}, which has only {string.Join(", ", Keys(secret))}";
            }
        }

        // docs/security.md: both containers of a pod read the same token Secrets.
        foreach (var (app, workload, container, _) in d.SuiteContainers())
        {
            foreach (var (annotation, variable) in new[] { ("dapr.io/api-token-secret", "DAPR_API_TOKEN"), ("dapr.io/app-token-secret", "APP_API_TOKEN") })
            {
                var secret = workload.Annotation(annotation);
                var from = container.Env(variable).At("valueFrom", "secretKeyRef");
                if (secret is null || from.Str("name") != secret || from.Str("key") != "token")
                {
                    yield return $"{workload}: {variable} must come from key token of the Secret in {annotation} ('{secret}'), not '{from.Str("name")}'/'{from.Str("key")}'";
                }
            }

            if (container.Env("Internal__ServiceKey").At("valueFrom", "secretKeyRef") is null)
            {
                yield return $"{workload}: Internal__ServiceKey does not come from a Secret";
            }

            if (app.IsEdge && !container.Items("envFrom").Any(e => e.At("secretRef") is not null)
                && container.Env("Auth__SigningKey").At("valueFrom", "secretKeyRef") is null)
            {
                yield return $"{workload}: the edge's Auth settings come from no Secret";
            }
        }
    }

    public static IEnumerable<string> EdgeIdentityAndShutdown(RenderedDeployment d)
    {
        foreach (var (app, workload, container, ports) in d.SuiteContainers())
        {
            var grace = workload.Body.Int("spec", "template", "spec", "terminationGracePeriodSeconds") ?? 30;
            var preStop = container.Int("lifecycle", "preStop", "sleep", "seconds") ?? 0;
            var graceful = workload.Annotation("dapr.io/graceful-shutdown-seconds") is { } g ? int.Parse(g, CultureInfo.InvariantCulture) : 5;
            if (!app.IsEdge)
            {
                if (preStop + graceful >= grace)
                {
                    yield return $"{workload}: terminationGracePeriodSeconds {grace} is not above preStop {preStop} s + the sidecar's graceful shutdown {graceful} s";
                }

                continue;
            }

            if (workload.Kind != "StatefulSet")
            {
                yield return $"{workload}: edges need stable names for their ids; a {workload.Kind} renames its pods";
            }

            var edgeId = container.Env("Edge__EdgeId");
            var podName = container.Env("POD_NAME");
            if (edgeId is not null ? edgeId.Str("valueFrom", "fieldRef", "fieldPath") != "metadata.name" : podName.Str("valueFrom", "fieldRef", "fieldPath") != "metadata.name")
            {
                yield return $"{workload}: Edge:EdgeId does not come from the pod name (Edge__EdgeId, or POD_NAME, from fieldRef metadata.name)";
            }

            var connections = ports.Connections();
            var needed = preStop + connections.DrainTimeout.TotalSeconds + connections.ReconnectJitter.TotalSeconds + ports.Edge().UpstreamTimeout.TotalSeconds;
            if (grace <= needed)
            {
                yield return $"{workload}: terminationGracePeriodSeconds {grace} is not above preStop {preStop} s + drain {connections.DrainTimeout.TotalSeconds} s + jitter {connections.ReconnectJitter.TotalSeconds} s + deregistration {ports.Edge().UpstreamTimeout.TotalSeconds} s";
            }

            var block = workload.Annotation("dapr.io/block-shutdown-duration") is { } b ? GoDurationSeconds(b) : 0;
            if (block < preStop + connections.DrainTimeout.TotalSeconds)
            {
                yield return $"{workload}: dapr.io/block-shutdown-duration {block} s ends before the drain does (preStop {preStop} s + {connections.DrainTimeout.TotalSeconds} s): the sidecar would stop under it";
            }

            if (block + graceful >= grace)
            {
                yield return $"{workload}: the sidecar's {block} s block + {graceful} s graceful shutdown do not fit in terminationGracePeriodSeconds {grace}";
            }
        }
    }

    /// <summary>docs/security.md, "Public WebSocket port": the connection caps that fit behind the ingress.</summary>
    public static IEnumerable<string> PublicPortCaps(RenderedDeployment d)
    {
        foreach (var (app, workload, _, ports) in d.SuiteContainers())
        {
            if (!app.IsEdge)
            {
                continue;
            }

            var connections = ports.Connections();
            if (connections.MaxConnectionsPerUser == 0)
            {
                yield return $"{workload}: no per-user connection cap (Connections__MaxConnectionsPerUser): one leaked token could hold any number of sockets";
            }

            // Behind the ingress every client arrives from the ingress controller's address.
            if (connections.MaxConnectionsPerIp != 0 && d.OfKind("Ingress").Any())
            {
                yield return $"{workload}: a per-address cap ({connections.MaxConnectionsPerIp}) behind the ingress counts the ingress's address, so it would refuse all clients beyond it";
            }
        }
    }

    public static IEnumerable<string> Scaling(RenderedDeployment d)
    {
        foreach (var app in SuiteApp.All.Where(a => !a.IsEdge))
        {
            var workload = d.WorkloadsOf(app).FirstOrDefault();
            if (workload is null)
            {
                continue;
            }

            var hpas = d.OfKind("HorizontalPodAutoscaler").Where(h => h.Body.Str("spec", "scaleTargetRef", "name") == workload.Name && h.Body.Str("spec", "scaleTargetRef", "kind") == workload.Kind);
            if (!hpas.Any())
            {
                yield return $"{workload}: no HorizontalPodAutoscaler scales it";
            }
        }

        foreach (var hpa in d.OfKind("HorizontalPodAutoscaler"))
        {
            if (d.Find(hpa.Body.Str("spec", "scaleTargetRef", "kind") ?? "", hpa.Body.Str("spec", "scaleTargetRef", "name") ?? "") is null)
            {
                yield return $"{hpa}: scales {hpa.Body.Str("spec", "scaleTargetRef", "kind")} {hpa.Body.Str("spec", "scaleTargetRef", "name")}, which does not exist";
            }
        }

        foreach (var workload in d.DaprWorkloads)
        {
            if (!d.OfKind("PodDisruptionBudget").Any(p => PodTemplate.Selects(p.Body.At("spec", "selector", "matchLabels"), workload.Labels())))
            {
                yield return $"{workload}: no PodDisruptionBudget covers its pods";
            }
        }
    }

    public static IEnumerable<string> Ingress(RenderedDeployment d)
    {
        var edge = d.SuiteContainers().FirstOrDefault(c => c.App.IsEdge);
        if (edge.Workload is null)
        {
            yield return $"{d.Name}: no edge workload for the Ingress to reach";
            yield break;
        }

        var paths = d.OfKind("Ingress").SelectMany(i => i.Body.Items("spec", "rules").SelectMany(r => r.Items("http", "paths")).Select(p => (Ingress: i, Path: p))).ToList();
        var ws = paths.Where(p => p.Path.Str("path") == "/ws").ToList();
        if (ws.Count == 0)
        {
            yield return $"{d.Name}: no Ingress routes /ws";
        }

        foreach (var (ingress, path) in ws)
        {
            if (ingress.Body.At("metadata", "annotations") is JsonObject annotations && annotations.Any(a => a.Key.Contains("affinity", StringComparison.OrdinalIgnoreCase)))
            {
                yield return $"{ingress}: has session affinity annotations; clients may land on any edge";
            }

            var service = d.Find("Service", path.Str("backend", "service", "name") ?? "");
            var port = service?.Body.Items("spec", "ports").FirstOrDefault(p => p.Str("name") == path.Str("backend", "service", "port", "name") || p.Str("port") == path.Str("backend", "service", "port", "number"));
            var target = edge.Container.ResolvePort(port?.Str("targetPort") ?? port?.Str("port"));
            if (service is null || port is null || d.WorkloadSelectedBy(service.Body.At("spec", "selector")) != edge.Workload || target is null || !edge.Ports.PublicPorts.Contains(target.Value))
            {
                yield return $"{ingress}: /ws goes to {path.Str("backend", "service", "name")}:{path.Str("backend", "service", "port", "name") ?? path.Str("backend", "service", "port", "number")}, which is not the edges' public port";
            }
        }
    }

    /// <summary>Default deny; from outside the namespace only the edge's public port (and /metrics for the scraper); gRPC only from pods; the callback ports from no pod.</summary>
    public static IEnumerable<string> NetworkPolicies(RenderedDeployment d)
    {
        var policies = d.OfKind("NetworkPolicy").ToList();
        if (!policies.Any(p => p.Body.At("spec", "podSelector") is JsonObject { Count: 0 } && p.Body.Strings("spec", "policyTypes").Contains("Ingress") && p.Body.At("spec", "ingress") is null))
        {
            yield return $"{d.Name}: no default-deny NetworkPolicy (empty podSelector, Ingress, no rules)";
        }

        foreach (var (app, workload, _, ports) in d.SuiteContainers())
        {
            foreach (var policy in policies.Where(p => Selects(p.Body.At("spec", "podSelector"), workload.Labels())))
            {
                foreach (var rule in policy.Body.Items("spec", "ingress"))
                {
                    var allowed = rule.Items("ports").Select(p => p.Int("port")).ToList();
                    if (allowed.Count == 0 || allowed.Any(p => p is null))
                    {
                        yield return $"{policy}: a rule opens every port of {workload.Name}, or names one (list port numbers)";
                        continue;
                    }

                    // A port the pod does not listen on opens nothing (one policy may cover several apps).
                    HashSet<int> served = [.. ports.PublicPorts, ports.CallbackPort, ports.GrpcPort ?? ports.CallbackPort];
                    var fromOutside = rule.Items("from").Any(f => f.At("namespaceSelector") is not null || f.At("ipBlock") is not null);
                    foreach (var port in allowed.Select(p => p!.Value).Where(served.Contains))
                    {
                        if (app.IsEdge && port == ports.CallbackPort)
                        {
                            yield return $"{policy}: opens the edge's internal port {port}";
                        }
                        else if (fromOutside && !ports.PublicPorts.Contains(port))
                        {
                            yield return $"{policy}: opens {workload.Name}'s port {port} to other namespaces; only {string.Join(", ", ports.PublicPorts)} may be";
                        }
                        else if (fromOutside && !app.IsEdge && !rule.Items("from").All(f => f.Str("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring"))
                        {
                            yield return $"{policy}: opens {workload.Name}'s HTTP/1.1 port {port} (Dapr callbacks) to namespaces other than monitoring";
                        }
                        else if (!fromOutside && port == ports.CallbackPort)
                        {
                            yield return $"{policy}: opens {workload.Name}'s Dapr callback port {port} to other pods";
                        }
                    }
                }
            }
        }
    }

    // Dapr's durations are Go's ("20s", "1m30s").
    private static double GoDurationSeconds(string duration)
    {
        var parts = System.Text.RegularExpressions.Regex.Matches(duration, @"(\d+(?:\.\d+)?)(h|ms|m|s)");
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != duration)
        {
            throw new FormatException($"'{duration}' is not a duration such as 20s or 1m30s");
        }

        return parts.Sum(p => double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture) * p.Groups[2].Value switch
        {
            "h" => 3600,
            "m" => 60,
            "ms" => 0.001,
            _ => 1,
        });
    }

    private static bool Selects(JsonNode? podSelector, JsonObject? labels)
    {
        if (podSelector is not JsonObject selector || labels is null)
        {
            return false;
        }

        var matchLabels = selector.At("matchLabels") as JsonObject ?? [];
        return matchLabels.All(pair => labels.Str(pair.Key) == pair.Value?.ToString())
            && selector.Items("matchExpressions").All(e => e.Str("operator") == "In" && e.Strings("values").Contains(labels.Str(e.Str("key") ?? "") ?? ""));
    }

    private static IEnumerable<(string Setting, SuiteApp Upstream)> UpstreamSettings(SuiteApp app) => app.AppId switch
    {
        "edge" => [("Edge:PresenceAddress", SuiteApp.Presence), ("Edge:RoomAddress", SuiteApp.Room), ("Edge:NotificationAddress", SuiteApp.Notification)],
        "notification" => [("Notification:PresenceAddress", SuiteApp.Presence), ("Notification:RoomAddress", SuiteApp.Room)],
        _ => [],
    };

    // Which app and container port an in-cluster address reaches: a Service by name (short or FQDN).
    private static (string? App, int? Port)? ReachedPort(RenderedDeployment d, Uri address)
    {
        var service = d.Find("Service", address.Host.Split('.')[0]);
        var port = service?.Body.Items("spec", "ports").FirstOrDefault(p => p.Int("port") == address.Port);
        var workload = service is null ? null : d.WorkloadSelectedBy(service.Body.At("spec", "selector"));
        var container = workload is null ? null : PodTemplate.Containers(workload.Body).FirstOrDefault();
        return (workload?.Annotation("dapr.io/app-id"), container?.ResolvePort(port?.Str("targetPort") ?? port?.Str("port")));
    }

    private static int? GrpcPortOf(RenderedDeployment d, SuiteApp app) =>
        d.SuiteContainers().FirstOrDefault(c => c.App == app).Ports?.GrpcPort;

    private static IEnumerable<string> Keys(Resource secret) =>
        (secret.Body.At("data") as JsonObject ?? []).Concat(secret.Body.At("stringData") as JsonObject ?? []).Select(p => p.Key);

    private static IEnumerable<(string Owner, string Name, string? Key)> SecretReferences(RenderedDeployment d)
    {
        foreach (var workload in d.Resources.Where(r => r.IsWorkload()))
        {
            foreach (var annotation in new[] { "dapr.io/api-token-secret", "dapr.io/app-token-secret" })
            {
                if (workload.Annotation(annotation) is { } name)
                {
                    // daprd reads the key "token" of the named Secret.
                    yield return ($"{workload} ({annotation})", name, "token");
                }
            }

            foreach (var container in PodTemplate.Containers(workload.Body))
            {
                foreach (var env in container.Items("env"))
                {
                    if (env.At("valueFrom", "secretKeyRef") is { } reference)
                    {
                        yield return ($"{workload} ({env.Str("name")})", reference.Str("name") ?? "", reference.Str("key"));
                    }
                }

                foreach (var from in container.Items("envFrom"))
                {
                    if (from.Str("secretRef", "name") is { } name)
                    {
                        yield return ($"{workload} (envFrom)", name, null);
                    }
                }
            }
        }

        foreach (var component in d.OfKind("Component"))
        {
            foreach (var entry in component.Body.Items("spec", "metadata"))
            {
                if (entry.At("secretKeyRef") is { } reference)
                {
                    yield return ($"{component} ({entry.Str("name")})", reference.Str("name") ?? "", reference.Str("key"));
                }
            }
        }
    }
}
