using Suite.Contracts.CallStreams;

// The generated message's namespace, so this part joins it (the folder only groups the parts).
namespace Suite.Contracts.Presence.V1;

public sealed partial class PresenceCallReply : IStreamedReply;
