using System.Text.Json.Nodes;
using Suite.Deploy.Tests.Checks;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>Each check fails on a manifest broken the way it guards against (the real ones pass: <see cref="KubernetesManifestTests"/>).</summary>
public sealed class DeploymentChecksCatchMistakesTests
{
    public static TheoryData<string> Mistakes => [.. Cases.Keys];

    private static readonly Dictionary<string, (Action<RenderedDeployment> Break, Func<RenderedDeployment, IEnumerable<string>> Check, string Expected)> Cases = new()
    {
        ["edge app port is the public port"] = (d => Annotations(d, "edge")["dapr.io/app-port"] = "8080", DeploymentChecks.Ports, "serves the Dapr callbacks on 5110"),
        ["room app port is the gRPC port"] = (d => Annotations(d, "room")["dapr.io/app-port"] = "5102", DeploymentChecks.Ports, "serves the Dapr callbacks on 5112"),
        ["an unknown app id"] = (d => Annotations(d, "presence")["dapr.io/app-id"] = "presence-svc", DeploymentChecks.AppIds, "none of the suite's apps"),
        ["a probe on a path nobody maps"] = (d => Container(d, "notification")["readinessProbe"]!["httpGet"]!["path"] = "/ready", DeploymentChecks.Probes, "does not map"),
        ["a probe on the gRPC port"] = (d => Container(d, "room")["livenessProbe"]!["httpGet"]!["port"] = "grpc", DeploymentChecks.Probes, "kubelet can reach"),
        ["the state store is missing"] = (d => Remove(d, "Component", "statestore"), DeploymentChecks.Components, "0 Dapr components named statestore"),
        ["a component scoped away from a user"] = (d => Find(d, "Component", "pubsub")["scopes"] = new JsonArray("presence", "room", "notification"), DeploymentChecks.Components, "leave out edge"),
        ["a misspelt Secret"] = (d => Env(d, "room", "Internal__ServiceKey")["valueFrom"]!["secretKeyRef"]!["name"] = "suite-service-keys", DeploymentChecks.Secrets, "does not have"),
        ["the app token from the wrong Secret"] = (d => Env(d, "edge", "APP_API_TOKEN")["valueFrom"]!["secretKeyRef"]!["name"] = "suite-dapr-tokens", DeploymentChecks.Secrets, "APP_API_TOKEN must come from"),
        ["a grace period shorter than the drain"] = (d => Find(d, "StatefulSet", "edge")["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"] = "20", DeploymentChecks.EdgeIdentityAndShutdown, "is not above preStop"),
        ["edges as a Deployment"] = (d => Find(d, "StatefulSet", "edge")["kind"] = "Deployment", DeploymentChecks.EdgeIdentityAndShutdown, "renames its pods"),
        ["an upstream address on the callback port"] = (d => Env(d, "edge", "Edge__RoomAddress")["value"] = "http://room:5112", DeploymentChecks.Services, "not room's gRPC port 5102"),
        ["a Service exposing the callback port"] = (d => ((JsonArray)Find(d, "Service", "presence")["spec"]!["ports"]!).Add(new JsonObject { ["name"] = "http", ["port"] = "5111", ["targetPort"] = "http" }), DeploymentChecks.Services, "the Dapr callback port"),
        ["a Service with client affinity"] = (d => Find(d, "Service", "edge")["spec"]!["sessionAffinity"] = "ClientIP", DeploymentChecks.Services, "sessionAffinity ClientIP"),
        ["no autoscaler for room"] = (d => Remove(d, "HorizontalPodAutoscaler", "room"), DeploymentChecks.Scaling, "no HorizontalPodAutoscaler"),
        ["no disruption budget for edges"] = (d => Remove(d, "PodDisruptionBudget", "edge"), DeploymentChecks.Scaling, "no PodDisruptionBudget"),
        ["the ingress on another path"] = (d => Find(d, "Ingress", "edge")["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["path"] = "/socket", DeploymentChecks.Ingress, "no Ingress routes /ws"),
        ["the ingress with affinity"] = (d => Find(d, "Ingress", "edge")["metadata"]!["annotations"]!["nginx.ingress.kubernetes.io/affinity"] = "cookie", DeploymentChecks.Ingress, "affinity"),
        ["the ingress namespace reaching the edge's internal port"] = (d => Find(d, "NetworkPolicy", "edge-public")["spec"]!["ingress"]![0]!["ports"]![0]!["port"] = "5110", DeploymentChecks.NetworkPolicies, "internal port 5110"),
        ["a pod reaching a callback port"] = (d => Find(d, "NetworkPolicy", "presence-grpc")["spec"]!["ingress"]![0]!["ports"]![0]!["port"] = "5111", DeploymentChecks.NetworkPolicies, "Dapr callback port 5111"),
        ["an edge without a per-user cap"] = (d => Container(d, "edge")["env"]!.AsArray().Remove(Env(d, "edge", "Connections__MaxConnectionsPerUser")), DeploymentChecks.PublicPortCaps, "no per-user connection cap"),
        ["a per-address cap behind the ingress"] = (d => Container(d, "edge")["env"]!.AsArray().Add(new JsonObject { ["name"] = "Connections__MaxConnectionsPerIp", ["value"] = "100" }), DeploymentChecks.PublicPortCaps, "counts the ingress's address"),
        ["no default deny"] = (d => Remove(d, "NetworkPolicy", "default-deny-ingress"), DeploymentChecks.NetworkPolicies, "no default-deny"),
    };

    [Theory, MemberData(nameof(Mistakes))]
    public void A_broken_manifest_is_reported(string mistake)
    {
        var (breakIt, check, expected) = Cases[mistake];
        var deployment = RenderedDeployment.Overlay("redis");
        Assert.Empty(check(deployment));

        breakIt(deployment);

        Assert.Contains(check(deployment), problem => problem.Contains(expected, StringComparison.Ordinal));
    }

    private static JsonObject Find(RenderedDeployment d, string kind, string name) =>
        d.Find(kind, name)?.Body ?? throw new InvalidOperationException($"{kind} {name} is not in the overlay");

    private static JsonObject Workload(RenderedDeployment d, string appId) =>
        d.DaprWorkloads.Single(w => w.Annotation("dapr.io/app-id") == appId).Body;

    private static JsonObject Annotations(RenderedDeployment d, string appId) =>
        (JsonObject)Workload(d, appId)["spec"]!["template"]!["metadata"]!["annotations"]!;

    private static JsonObject Container(RenderedDeployment d, string appId) =>
        PodTemplate.Containers(Workload(d, appId)).Single();

    private static JsonObject Env(RenderedDeployment d, string appId, string name) =>
        Container(d, appId).Env(name) ?? throw new InvalidOperationException($"{appId} has no {name}");

    private static void Remove(RenderedDeployment d, string kind, string name) => d.Remove(kind, name);
}
