using System.Text.Json;
using System.Text.Json.Serialization;

namespace Suite.Presence.State;

/// <summary>Presence's stored records, for <see cref="Suite.ServiceDefaults.State.StateStore"/> (web defaults, as always stored).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UserRecord))]
[JsonSerializable(typeof(IndexEntry))]
[JsonSerializable(typeof(IndexCount))]
[JsonSerializable(typeof(EdgeRegistry))]
[JsonSerializable(typeof(ReplicaSet))]
[JsonSerializable(typeof(Suite.ServiceDefaults.Publishing.OutboxEvent))]
internal sealed partial class PresenceStateJson : JsonSerializerContext;
