namespace Suite.Edge.Protocol;

// Wire names of client frames (protocol v1); a contract with clients, never renamed.
public static class ClientMessageTypes
{
    public const string Auth = "auth";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Message = "message";
    public const string Direct = "direct";
    public const string Subscribe = "subscribe";
    public const string Unsubscribe = "unsubscribe";
    public const string Ping = "ping";
    public const string History = "history";
    public const string Ack = "ack";
}
