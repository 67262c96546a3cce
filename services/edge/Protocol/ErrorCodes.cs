namespace Suite.Edge.Protocol;

// The `code` of an `error` frame. Clients branch on these, so they are a contract: never rename
// one, only add. The `message` beside a code is for humans and may change.
//
// There is deliberately no `already_authenticated`: a second `auth` on an authenticated connection
// is how a client hands over a fresh token before the old one expires (issue 3). A fresh token for
// a different user is refused with `forbidden`.
public static class ErrorCodes
{
    /// <summary>
    /// The frame is not valid UTF-8 JSON, or not a JSON object; on a binary encoding, the frame is not
    /// one well-formed MessagePack map, CBOR map or ClientFrame (the message names the encoding).
    /// </summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>A required field is absent; the message names it.</summary>
    public const string MissingField = "missing_field";

    /// <summary>A field has the wrong JSON type, is empty, too long, contains control characters or appears twice; the message names it.</summary>
    public const string InvalidField = "invalid_field";

    /// <summary>The <c>type</c> is not one this protocol version knows.</summary>
    public const string UnknownType = "unknown_type";

    /// <summary>The <c>content</c> is larger than the limit.</summary>
    public const string ContentTooLarge = "content_too_large";

    /// <summary>A binary frame arrived on the JSON protocol, which uses text frames only.</summary>
    public const string BinaryNotSupported = "binary_not_supported";

    /// <summary>A text frame arrived on a binary encoding (MessagePack, CBOR, Protobuf), which uses binary frames only.</summary>
    public const string TextNotSupported = "text_not_supported";

    /// <summary>A frame other than <c>auth</c> (or <c>ping</c>) arrived before authentication succeeded.</summary>
    public const string NotAuthenticated = "not_authenticated";

    /// <summary>Over the per-connection message or byte rate; the frame was not processed. Carries <c>retryAfterMs</c> when known.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>A <c>join</c> over the per-connection room limit.</summary>
    public const string TooManyRooms = "too_many_rooms";

    /// <summary>A <c>subscribe</c> over the per-connection channel limit.</summary>
    public const string TooManyChannels = "too_many_channels";

    /// <summary>A <c>message</c> to a room this connection has not joined.</summary>
    public const string NotAMember = "not_a_member";

    /// <summary>A backing service (presence, room, pub/sub) did not answer; the client may retry.</summary>
    public const string UpstreamUnavailable = "upstream_unavailable";

    /// <summary>The user may not do this (e.g. join that room, or re-authenticate as another user).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The user already holds <c>Connections:MaxConnectionsPerUser</c> connections on this edge; close 4004 follows.</summary>
    public const string TooManyConnections = "too_many_connections";

    /// <summary>A bug on the server side; details are in the server logs, never in the frame.</summary>
    public const string Internal = "internal";
}
