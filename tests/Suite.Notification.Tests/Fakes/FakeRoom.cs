using System.Collections.Concurrent;
using Grpc.Core;
using Suite.Contracts.Room.V1;

namespace Suite.Notification.Tests.Fakes;

/// <summary>The room service's edge indexes with canned answers.</summary>
public sealed class FakeRoom : RoomService.RoomServiceBase
{
    private readonly ConcurrentDictionary<string, string[]> _rooms = new();
    private readonly ConcurrentDictionary<string, string[]> _channels = new();

    public void HostRoom(string roomId, params string[] edgeIds) => _rooms[roomId] = edgeIds;

    public void HostChannel(string channel, params string[] edgeIds) => _channels[channel] = edgeIds;

    public override Task<EdgesResponse> GetRoomEdges(GetRoomEdgesRequest request, ServerCallContext context) =>
        Task.FromResult(Edges(_rooms.GetValueOrDefault(request.RoomId, [])));

    public override Task<EdgesResponse> GetChannelEdges(GetChannelEdgesRequest request, ServerCallContext context) =>
        Task.FromResult(Edges(_channels.GetValueOrDefault(request.Channel, [])));

    private static EdgesResponse Edges(string[] edgeIds) => new() { Edges = { edgeIds.Select(e => new EdgeMembers { EdgeId = e, Connections = 1 }) } };
}
