using System.Text.Json;
using System.Text.Json.Serialization;

namespace Suite.Room.State;

/// <summary>The room's stored records, for <see cref="Suite.ServiceDefaults.State.StateStore"/> (web defaults, as always stored).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RoomHead))]
[JsonSerializable(typeof(StoredMessage))]
[JsonSerializable(typeof(IdempotencyRecord))]
[JsonSerializable(typeof(RoomUser))]
[JsonSerializable(typeof(MemberShard))]
[JsonSerializable(typeof(EdgeIndex))]
[JsonSerializable(typeof(EdgeRecord))]
[JsonSerializable(typeof(ChannelConnection))]
[JsonSerializable(typeof(ReplicaRecord))]
internal sealed partial class RoomStateJson : JsonSerializerContext;
