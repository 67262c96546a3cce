namespace Suite.Edge.Protocol;

// Wire names of server frames (protocol v1); a contract with clients, never renamed.
public static class ServerMessageTypes
{
    public const string AuthOk = "auth:ok";
    public const string AuthFail = "auth:fail";
    public const string Pong = "pong";
    public const string Error = "error";
    public const string UserJoined = "user:joined";
    public const string UserLeft = "user:left";
    public const string Message = "message";
    public const string Direct = "direct";
    public const string Reconnect = "reconnect";
    public const string Joined = "joined";
    public const string Left = "left";
    public const string Subscribed = "subscribed";
    public const string Unsubscribed = "unsubscribed";
    public const string History = "history";

    /// <summary>Acknowledged notifications another device of the user acked; written by notification's deliveries, named here for clients.</summary>
    public const string Dismissed = "dismissed";
}
