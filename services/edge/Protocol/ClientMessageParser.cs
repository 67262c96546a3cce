using System.Text.Json;
using System.Text.Unicode;

namespace Suite.Edge.Protocol;

// Lenient where clients differ harmlessly (`type` anywhere, unknown properties ignored) and strict
// where a bad value would travel on to other users or to state-store keys (ids, content size).
/// <summary>Parses protocol v1 (JSON) client frames into <see cref="ClientMessage"/>s.</summary>
public static class ClientMessageParser
{
    public static ParseResult Parse(ReadOnlySpan<byte> utf8, ProtocolLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);

        // WebSocket text frames are already UTF-8 checked by the server, but callers may pass other
        // bytes, and `content` is forwarded verbatim, so it must never carry invalid UTF-8 onwards.
        if (!Utf8.IsValid(utf8))
        {
            return Fail(ErrorCodes.InvalidJson, "The frame is not valid UTF-8.");
        }

        if (utf8.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            return Fail(ErrorCodes.InvalidJson, "The frame is empty.");
        }

        ClientFrameFields fields;
        try
        {
            if (ClientFrameReader.Read(utf8, limits, out fields) is { } structural)
            {
                return ParseResult.Failure(structural);
            }
        }
        catch (JsonException ex)
        {
            return Fail(ErrorCodes.InvalidJson, $"Malformed JSON: {ex.Message}");
        }

        return FromFields(fields, utf8, limits);
    }

    /// <summary>
    /// Judges the fields a reader took from a frame: the same checks and messages for every
    /// encoding. <paramref name="contentSource"/> holds <c>content</c> as JSON at the field's raw range.
    /// </summary>
    internal static ParseResult FromFields(in ClientFrameFields fields, ReadOnlySpan<byte> contentSource, ProtocolLimits limits)
    {
        if (CheckType(fields.Type) is { } typeError)
        {
            return ParseResult.Failure(typeError);
        }

        if (CheckOptionalId(fields.Id, limits, out var id) is { } idError)
        {
            return ParseResult.Failure(idError);
        }

        if (fields.TypeName is null)
        {
            return ParseResult.Failure(new(ErrorCodes.UnknownType, $"Unknown message type '{fields.Type.Text}'."), id);
        }

        return Build(contentSource, limits, fields, id);
    }

    private static ParseResult Build(ReadOnlySpan<byte> utf8, ProtocolLimits limits, in ClientFrameFields fields, string? id)
    {
        var max = limits.MaxIdLength;
        switch (fields.TypeName)
        {
            case ClientMessageTypes.Auth:
                return RequireText(fields.Token, "token", limits.MaxTokenLength, out var token) is { } tokenError
                    ? ParseResult.Failure(tokenError, id)
                    : ParseResult.Success(new AuthMessage(token, id));
            case ClientMessageTypes.Join:
            {
                var error = RequireText(fields.RoomId, "roomId", max, out var joinRoom);
                ResumePoint? since = null;
                error ??= CheckSince(fields, out since);
                return error is null ? ParseResult.Success(new JoinMessage(joinRoom, id, since)) : ParseResult.Failure(error, id);
            }

            case ClientMessageTypes.History:
            {
                var error = RequireText(fields.RoomId, "roomId", max, out var historyRoom);
                ulong? limit = null;
                ulong? before = null;
                error ??= CheckOptionalPositive(fields.Limit, "limit", out limit);
                error ??= CheckOptionalPositive(fields.Before, "before", out before);

                // A limit past int range is capped by the edge anyway; it is not an error.
                return error is null
                    ? ParseResult.Success(new HistoryMessage(historyRoom, limit is { } l ? (int)Math.Min(l, int.MaxValue) : null, before, id))
                    : ParseResult.Failure(error, id);
            }

            case ClientMessageTypes.Ack:
                return CheckIds(fields, out var ackIds) is { } idsError
                    ? ParseResult.Failure(idsError, id)
                    : ParseResult.Success(new AckMessage(ackIds, id));
            case ClientMessageTypes.Leave:
                return RequireText(fields.RoomId, "roomId", max, out var leaveRoom) is { } leaveError
                    ? ParseResult.Failure(leaveError, id)
                    : ParseResult.Success(new LeaveMessage(leaveRoom, id));
            case ClientMessageTypes.Message:
                if ((RequireText(fields.RoomId, "roomId", max, out var room)
                    ?? RequireContent(fields.Content, fields.ContentProblem, limits)) is { } messageError)
                {
                    return ParseResult.Failure(messageError, id);
                }

                return ParseResult.Success(new RoomMessage(room, CopyContent(utf8, fields.Content), id));
            case ClientMessageTypes.Direct:
                if ((RequireText(fields.To, "to", max, out var to)
                    ?? RequireContent(fields.Content, fields.ContentProblem, limits)) is { } directError)
                {
                    return ParseResult.Failure(directError, id);
                }

                return ParseResult.Success(new DirectMessage(to, CopyContent(utf8, fields.Content), id));
            case ClientMessageTypes.Subscribe:
                return RequireText(fields.Channel, "channel", max, out var subscribe) is { } subscribeError
                    ? ParseResult.Failure(subscribeError, id)
                    : ParseResult.Success(new SubscribeMessage(subscribe, id));
            case ClientMessageTypes.Unsubscribe:
                return RequireText(fields.Channel, "channel", max, out var unsubscribe) is { } unsubscribeError
                    ? ParseResult.Failure(unsubscribeError, id)
                    : ParseResult.Success(new UnsubscribeMessage(unsubscribe, id));
            default:
                return ParseResult.Success(new PingMessage(id));
        }
    }

    private static ProtocolError? CheckType(in FieldValue type) =>
        !type.IsPresent ? new(ErrorCodes.MissingField, "Field 'type' is required.")
        : type.Duplicate ? Duplicate("type")
        : type.Token != JsonTokenType.String ? WrongKind("type", type.Token)
        : null;

    // An id that fails the checks is not echoed as `ref`: replies quote only what passed them.
    private static ProtocolError? CheckOptionalId(in FieldValue value, ProtocolLimits limits, out string? id)
    {
        id = null;
        if (!value.IsPresent)
        {
            return null;
        }

        var error = RequireText(value, "id", limits.MaxIdLength, out var text);
        id = error is null ? text : null;
        return error;
    }

    private static ProtocolError? RequireText(in FieldValue value, string name, int maxLength, out string text)
    {
        text = value.Text ?? "";
        return !value.IsPresent ? new(ErrorCodes.MissingField, $"Field '{name}' is required.")
            : value.Duplicate ? Duplicate(name)
            : value.Token != JsonTokenType.String ? WrongKind(name, value.Token)
            : value.InvalidText ? new(ErrorCodes.InvalidField, $"Field '{name}' is not valid Unicode text.")
            : value.TooLong ? new(ErrorCodes.InvalidField, $"Field '{name}' is longer than {maxLength} characters.")
            : text.Length == 0 ? new(ErrorCodes.InvalidField, $"Field '{name}' must not be empty.")
            : HasControlCharacters(text) ? new(ErrorCodes.InvalidField, $"Field '{name}' must not contain control characters.")
            : null;
    }

    // Absent = a plain join. Present, it must be exactly {"seq":N,"epoch":E}: a client that means to
    // resume and sends something else is told so, rather than silently joined without a replay.
    private static ProtocolError? CheckSince(in ClientFrameFields fields, out ResumePoint? since)
    {
        since = null;
        var value = fields.Since;
        if (!value.IsPresent)
        {
            return null;
        }

        if (value.Duplicate)
        {
            return Duplicate("since");
        }

        if (value.Token != JsonTokenType.StartObject)
        {
            return new(ErrorCodes.InvalidField, $"Field 'since' must be an object {{\"seq\":N,\"epoch\":E}}, not {ClientFrameReader.Describe(value.Token)}.");
        }

        var seq = fields.SinceSeq;
        var error = !seq.IsPresent ? new ProtocolError(ErrorCodes.MissingField, "Field 'since.seq' is required.")
            : seq.Duplicate ? Duplicate("since.seq")
            : seq.Integer is null ? NotAnInteger("since.seq", seq.Token, "a non-negative")
            : null;
        var epochError = RequireText(fields.SinceEpoch, "since.epoch", ProtocolLimits.MaxEpochLength, out var epoch);
        if ((error ?? epochError) is { } sinceError)
        {
            return sinceError;
        }

        since = new ResumePoint(seq.Integer!.Value, epoch);
        return null;
    }

    private static ProtocolError? CheckIds(in ClientFrameFields fields, out IReadOnlyList<string> ids)
    {
        ids = [];
        var value = fields.Ids;
        if (!value.IsPresent)
        {
            return new(ErrorCodes.MissingField, "Field 'ids' is required.");
        }

        if (value.Duplicate)
        {
            return Duplicate("ids");
        }

        if (value.Token != JsonTokenType.StartArray)
        {
            return new(ErrorCodes.InvalidField, $"Field 'ids' must be an array of notification ids, not {ClientFrameReader.Describe(value.Token)}.");
        }

        if (fields.IdsProblem is { } problem)
        {
            return new(ErrorCodes.InvalidField, problem);
        }

        if (fields.IdList is not { Count: > 0 } list)
        {
            return new(ErrorCodes.InvalidField, "Field 'ids' must not be empty.");
        }

        ids = list.Distinct(StringComparer.Ordinal).ToList();
        return HasControlCharacters(string.Concat(ids)) ? new(ErrorCodes.InvalidField, "Field 'ids' must not contain control characters.") : null;
    }

    private static ProtocolError? CheckOptionalPositive(in FieldValue value, string name, out ulong? number)
    {
        number = null;
        if (!value.IsPresent)
        {
            return null;
        }

        if (value.Duplicate)
        {
            return Duplicate(name);
        }

        if (value.Integer is not > 0)
        {
            return NotAnInteger(name, value.Token, "a positive");
        }

        number = value.Integer;
        return null;
    }

    private static ProtocolError NotAnInteger(string name, JsonTokenType token, string kind) =>
        new(ErrorCodes.InvalidField, token == JsonTokenType.Number
            ? $"Field '{name}' must be {kind} integer."
            : $"Field '{name}' must be {kind} integer, not {ClientFrameReader.Describe(token)}.");

    // `null` is refused although it is a JSON value: a message with nothing in it is a client bug,
    // and forwarding it would make every recipient handle an empty message.
    // A binary encoding's content is converted to JSON, and the conversion stops once it passes the
    // limit (TooLong), so its size is known only to be over it.
    private static ProtocolError? RequireContent(in FieldValue value, string? problem, ProtocolLimits limits) =>
        !value.IsPresent ? new(ErrorCodes.MissingField, "Field 'content' is required.")
        : value.Duplicate ? Duplicate("content")
        : value.Token == JsonTokenType.Null ? new(ErrorCodes.InvalidField, "Field 'content' must not be null.")
        : problem is not null ? new(ErrorCodes.InvalidField, problem)
        : value.RawLength > limits.MaxContentBytes
            ? new(ErrorCodes.ContentTooLarge, $"Field 'content' is {value.RawLength} bytes; the limit is {limits.MaxContentBytes}.")
        : value.TooLong ? new(ErrorCodes.ContentTooLarge, $"Field 'content' is over {limits.MaxContentBytes} bytes as JSON; the limit is {limits.MaxContentBytes}.")
        : null;

    // A copy: the receive buffer is reused for the next frame, and the message outlives it.
    private static byte[] CopyContent(ReadOnlySpan<byte> utf8, in FieldValue value) =>
        utf8.Slice(value.RawStart, value.RawLength).ToArray();

    // C0, DEL and C1: invisible in logs and UIs, and a classic way to forge log lines.
    private static bool HasControlCharacters(string text) =>
        text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || text.AsSpan().ContainsAnyInRange('\u007f', '\u009f');

    private static ProtocolError Duplicate(string name) =>
        new(ErrorCodes.InvalidField, $"Field '{name}' appears more than once.");

    private static ProtocolError WrongKind(string name, JsonTokenType token) =>
        new(ErrorCodes.InvalidField, $"Field '{name}' must be a string, not {ClientFrameReader.Describe(token)}.");

    private static ParseResult Fail(string code, string message) => ParseResult.Failure(new(code, message));
}
