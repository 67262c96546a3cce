using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using Suite.Edge.Upstream;
using Suite.ServiceDefaults;

namespace Suite.Edge.Resume;

/// <summary>
/// Reads a room's stored messages through the room's <c>GetHistory</c> and renders them as the
/// <c>message</c> frames live delivery sends (same fields, same <c>id</c>s), for a resuming join's
/// replay and for <c>history</c> frames.
/// </summary>
public sealed partial class RoomHistory(RoomCalls room, IOptions<ResumeOptions> options, IOptions<EdgeOptions> edgeOptions, ILogger<RoomHistory> logger)
{
    /// <summary>
    /// Every message after <paramref name="since"/> in seq order, or null when they cannot all be
    /// replayed: another epoch, a seq the room never reached, messages lost or no longer kept, more
    /// than the replay bounds, or a room that did not answer.
    /// </summary>
    public async Task<IReadOnlyList<ReplayedMessage>?> MissedAsync(string roomId, ResumePoint since, JoinResponse joined, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(since);
        ArgumentNullException.ThrowIfNull(joined);
        var o = options.Value;
        if (since.Epoch != joined.Epoch || since.Seq > joined.LastSeq || joined.LastSeq - since.Seq > (ulong)o.MaxReplay)
        {
            return null;
        }

        var missed = new List<ReplayedMessage>();
        var bytes = 0L;
        var after = since.Seq;
        var more = since.Seq < joined.LastSeq;
        try
        {
            // Paged by `more`; each page asks for one past the bound, so going over it is seen.
            while (more)
            {
                var page = await room.GetHistoryAsync(
                    new GetHistoryRequest { RoomId = roomId, AfterSeq = after, Limit = o.MaxReplay + 1 - missed.Count },
                    UpstreamDeadline.After(edgeOptions.Value.UpstreamTimeout),
                    cancellationToken);
                if (page.Truncated || page.Epoch != since.Epoch || (page.More && page.Messages.Count == 0))
                {
                    return null;
                }

                foreach (var message in page.Messages)
                {
                    // A gap means the room lost a message: better no replay than one with a hole.
                    if (message.Seq != after + 1 || missed.Count == o.MaxReplay || Render(roomId, message) is not { } frame
                        || (bytes += frame.Payload.Length) > o.MaxReplayBytes)
                    {
                        return null;
                    }

                    missed.Add(new ReplayedMessage(message.Seq, frame, message.UserId, message.Id));
                    after = message.Seq;
                }

                more = page.More;
            }
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The join itself succeeded; the client is told recovered:false rather than an error.
            LogHistoryFailed(logger, roomId, ex.Status.Detail);
            return null;
        }

        return missed;
    }

    /// <summary>
    /// The last <paramref name="limit"/> messages before <paramref name="before"/> (all when null),
    /// oldest first, cut at the oldest ones to fit the byte bound; and the room's position.
    /// </summary>
    public async Task<(IReadOnlyList<ReadOnlyMemory<byte>> Messages, RoomPosition Position)> PageAsync(string roomId, int? limit, ulong? before, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var count = Math.Min(limit ?? o.MaxHistoryLimit, o.MaxHistoryLimit);
        var page = await room.GetHistoryAsync(
            new GetHistoryRequest { RoomId = roomId, Last = count, Limit = count, BeforeSeq = before ?? 0 },
            UpstreamDeadline.After(edgeOptions.Value.UpstreamTimeout),
            cancellationToken);
        var frames = new List<ReadOnlyMemory<byte>>(page.Messages.Count);
        var bytes = 0L;
        for (var i = page.Messages.Count - 1; i >= 0; i--)
        {
            if (Render(roomId, page.Messages[i]) is not { } frame)
            {
                continue;
            }

            if ((bytes += frame.Payload.Length) > o.MaxReplayBytes && frames.Count > 0)
            {
                break;
            }

            frames.Add(frame.Payload);
        }

        frames.Reverse();
        return (frames, new RoomPosition(page.LastSeq, page.Epoch));
    }

    // The fields the room fans a message out with (RoomMessaging.ToServerMessage) through the same
    // renderer, so a replayed frame is the live one byte for byte.
    private OutboundFrame? Render(string roomId, Contracts.Room.V1.RoomMessage stored)
    {
        var message = new ServerMessage
        {
            Id = stored.Id,
            Type = ServerMessageTypes.Message,
            Seq = stored.Seq,
            Timestamp = stored.Timestamp,
            RoomId = roomId,
            From = stored.UserId,
            ContentJson = ByteString.CopyFromUtf8(stored.ContentJson),
        };
        try
        {
            return new OutboundFrame(DeliveredFrame.Render(message), ServerMessageTypes.Message);
        }
        catch (InvalidDataException ex)
        {
            LogUnrenderable(logger, roomId, stored.Seq, ex.Message);
            return null;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "no replay for a resuming join of room '{RoomId}': its history could not be read ({Reason})")]
    private static partial void LogHistoryFailed(ILogger logger, string roomId, string reason);

    [LoggerMessage(2, LogLevel.Warning, "stored message {Seq} of room '{RoomId}' cannot be rendered as a frame: {Reason}")]
    private static partial void LogUnrenderable(ILogger logger, string roomId, ulong seq, string reason);
}
