using System.Text.Json;
using System.Text.Json.Serialization;

namespace Suite.Notification.Idempotency;

/// <summary>Notification's stored records, for <see cref="Suite.ServiceDefaults.State.StateStore"/> (web defaults, as always stored).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AcceptedRecord))]
[JsonSerializable(typeof(Inbox.InboxRecord))]
internal sealed partial class NotificationStateJson : JsonSerializerContext;
