using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Notification.V1;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;

namespace Suite.Notification.Upstream;

/// <summary>
/// Turns a target into the edges that host it: users through presence (batched LookupUsers),
/// room and channel through the room service's edge indexes, everyone through presence's live leases.
/// </summary>
public sealed class EdgeTargetResolver(
    PresenceService.PresenceServiceClient presence,
    RoomService.RoomServiceClient room,
    IOptions<NotificationOptions> options)
{
    public async Task<IReadOnlyList<EdgeTarget>> ResolveAsync(NotificationEvent evt, CancellationToken cancellationToken)
    {
        try
        {
            return evt.TargetCase switch
            {
                NotificationEvent.TargetOneofCase.Users => await UsersAsync(evt.Users.Ids, cancellationToken),
                NotificationEvent.TargetOneofCase.Room => Edges((await room.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = evt.Room }, Call(cancellationToken))).Edges),
                NotificationEvent.TargetOneofCase.Channel => Edges((await room.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = evt.Channel }, Call(cancellationToken))).Edges),
                NotificationEvent.TargetOneofCase.Everyone => (await presence.ListEdgesAsync(new ListEdgesRequest(), Call(cancellationToken))).Edges
                    .Select(e => e.EdgeId).Where(e => e.Length > 0).Distinct(StringComparer.Ordinal).Select(e => new EdgeTarget(e, null)).ToList(),
                _ => throw new ArgumentException($"no target in event {evt.Id}", nameof(evt)),
            };
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            var service = evt.TargetCase is NotificationEvent.TargetOneofCase.Room or NotificationEvent.TargetOneofCase.Channel ? "room" : "presence";
            throw new UpstreamUnavailableException($"{service} failed with {e.StatusCode}: {e.Status.Detail}", e);
        }
    }

    private static List<EdgeTarget> Edges(IEnumerable<EdgeMembers> edges) =>
        edges.Where(e => e.EdgeId.Length > 0).Select(e => e.EdgeId).Distinct(StringComparer.Ordinal).Select(e => new EdgeTarget(e, null)).ToList();

    private async Task<IReadOnlyList<EdgeTarget>> UsersAsync(IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var batches = userIds.Distinct(StringComparer.Ordinal).Chunk(options.Value.LookupBatchSize)
            .Select(batch => presence.LookupUsersAsync(new LookupUsersRequest { UserIds = { batch } }, Call(cancellationToken)).ResponseAsync);
        var responses = await Task.WhenAll(batches);

        // Insertion-ordered so a delivery lists its users in the order the event did.
        var byEdge = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var user in responses.SelectMany(r => r.Users))
        {
            foreach (var edge in user.EdgeIds.Distinct(StringComparer.Ordinal))
            {
                if (edge.Length == 0)
                {
                    continue;
                }

                if (!byEdge.TryGetValue(edge, out var users))
                {
                    byEdge[edge] = users = [];
                }

                users.Add(user.UserId);
            }
        }

        return byEdge.Select(pair => new EdgeTarget(pair.Key, pair.Value)).ToList();
    }

    private CallOptions Call(CancellationToken cancellationToken) =>
        new(deadline: UpstreamDeadline.After(options.Value.UpstreamTimeout), cancellationToken: cancellationToken);
}
