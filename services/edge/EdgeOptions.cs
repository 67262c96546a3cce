using System.ComponentModel.DataAnnotations;
using Suite.ServiceDefaults;

namespace Suite.Edge;

/// <summary>Who this edge is and where its upstream services are (section "Edge").</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>
    /// Stable across restarts (a StatefulSet ordinal such as "edge-0"), so the edge's topics and
    /// consumer groups are reused instead of leaking. Defaults to POD_NAME, then the host name.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "EdgeId may hold letters, digits, '-' and '_' (it becomes a topic and consumer name)")]
    public string EdgeId { get; set; } = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    [Required]
    [UpstreamAddresses]
    public string PresenceAddress { get; set; } = "http://127.0.0.1:5101";

    /// <summary>One address, or room replicas separated by commas, tried in the order given (<see cref="UpstreamAddressesAttribute"/>).</summary>
    [Required]
    [UpstreamAddresses]
    public string RoomAddress { get; set; } = "http://127.0.0.1:5102";

    /// <summary>
    /// Notification's gRPC address (one, or replicas separated by commas): the edge fetches a user's
    /// pending acknowledged notifications from it right after auth:ok and forwards the client's acks.
    /// </summary>
    [Required]
    [UpstreamAddresses]
    public string NotificationAddress { get; set; } = "http://127.0.0.1:5103";

    /// <summary>
    /// Where the edge serves its Dapr sidecar (the <c>/dapr/*</c> callbacks, health, metrics): the
    /// sidecar's app port. Loopback by default, since daprd runs beside the edge and calls the app on
    /// 127.0.0.1; the public port refuses the callbacks (<see cref="Surfaces.InternalPort"/>).
    /// </summary>
    [Required]
    public string InternalUrl { get; set; } = "http://127.0.0.1:5110";

    /// <summary>The port of <see cref="InternalUrl"/>; requests that arrive on it are the sidecar's.</summary>
    public int InternalPort => Surfaces.InternalPort.PortOf(InternalUrl) ?? 0;

    /// <summary>How long presence keeps this edge's connections without a renewal (crash detection).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Streaming (default) or Http: HTTP routes are mapped only with Http, so a sidecar never
    /// delivers the same topic both ways.
    /// </summary>
    [EnumDataType(typeof(Delivery.DeliverySubscription))]
    public Delivery.DeliverySubscription DeliverySubscription { get; set; } = Delivery.DeliverySubscription.Streaming;

    /// <summary>
    /// Clients' joins, leaves, room messages and (un)subscribes go to room over one long-lived call
    /// stream (RoomService.Calls) instead of one request each; false: one unary call each, as before.
    /// </summary>
    public bool RoomCallStream { get; set; } = true;

    /// <summary>
    /// Clients' direct messages look their recipients up in presence over one long-lived call stream
    /// (PresenceService.Calls) instead of one request each; false: one unary call each, as before.
    /// </summary>
    public bool PresenceCallStream { get; set; } = true;

    /// <summary>Connections replayed to presence and room at once after the edge registers its lease again.</summary>
    [Range(1, 1024)]
    public int ReplayParallelism { get; set; } = 16;

    /// <summary>
    /// Development only: the directory of the built demo and ops pages (clients/typescript's
    /// <c>npm run build</c> writes <c>dist/www</c>), served on the public port at <c>/</c> and
    /// <c>/ops</c> with the ops JSON at <c>/ops/data</c>; relative paths start at the content root.
    /// Unset: no pages. Ignored outside Development.
    /// </summary>
    public string? PagesPath { get; set; }

    /// <summary>Deadline of each upstream gRPC call.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
