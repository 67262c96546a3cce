using Suite.Deploy.Tests.Checks;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>
/// Each overlay of deploy/k8s, rendered as <c>kubectl apply -k</c> would, against the services
/// themselves: their app ids, Kestrel endpoints and option defaults, the routes they map, the Dapr
/// components they use and the Secrets docs/security.md says they read.
/// </summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Overlays => ["redis", "nats"];

    [Theory, MemberData(nameof(Overlays))]
    public void Every_dapr_app_id_is_a_suite_service_deployed_once(string overlay) => AssertNone(DeploymentChecks.AppIds, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void App_ports_are_the_callback_ports_and_containers_declare_the_kestrel_endpoints(string overlay) => AssertNone(DeploymentChecks.Ports, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Services_reach_declared_ports_never_a_callback_port_and_upstream_addresses_reach_grpc(string overlay) => AssertNone(DeploymentChecks.Services, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Every_component_a_service_uses_exists_and_is_scoped_to_it(string overlay) => AssertNone(DeploymentChecks.Components, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Probes_ask_routes_the_services_map_on_a_reachable_http1_port(string overlay) => AssertNone(DeploymentChecks.Probes, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Referenced_secrets_exist_and_the_tokens_are_wired_as_documented(string overlay) => AssertNone(DeploymentChecks.Secrets, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Edges_take_their_id_from_the_pod_name_and_get_time_to_drain(string overlay) => AssertNone(DeploymentChecks.EdgeIdentityAndShutdown, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Services_are_autoscaled_and_every_workload_has_a_disruption_budget(string overlay) => AssertNone(DeploymentChecks.Scaling, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void The_ingress_sends_ws_to_the_edges_public_port_without_affinity(string overlay) => AssertNone(DeploymentChecks.Ingress, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Edges_cap_connections_per_user_and_not_per_address_behind_the_ingress(string overlay) => AssertNone(DeploymentChecks.PublicPortCaps, overlay);

    [Theory, MemberData(nameof(Overlays))]
    public void Network_policies_keep_internal_ports_internal(string overlay) => AssertNone(DeploymentChecks.NetworkPolicies, overlay);

    [Theory]
    [InlineData("redis", "pubsub.redis")]
    [InlineData("nats", "pubsub.jetstream")]
    public void Each_overlay_brings_its_own_broker(string overlay, string type)
    {
        var pubsub = RenderedDeployment.Overlay(overlay).Find("Component", "pubsub");

        Assert.Equal(type, pubsub?.Body.Str("spec", "type"));
    }

    private static void AssertNone(Func<RenderedDeployment, IEnumerable<string>> check, string overlay)
    {
        var problems = check(RenderedDeployment.Overlay(overlay)).ToList();

        Assert.True(problems.Count == 0, $"deploy/k8s/overlays/{overlay}:\n" + string.Join("\n", problems));
    }
}
