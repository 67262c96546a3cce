using System.Net.WebSockets;
using Suite.Edge.Delivery;

namespace Suite.Edge.Connections;

/// <summary>
/// Writes the frames that had to queue for a connection and performs its close, running only while
/// there is something to do: a quiet connection holds no send loop, only a callback the queue keeps
/// (<see cref="SendQueue.WaitToReadThen"/>). Frames for an idle socket are written by their sender
/// (<see cref="Connection.Send"/>); the pump wakes for frames that queued behind a send, and for the close.
/// </summary>
/// <remarks>
/// A send loop awaiting the queue for the connection's whole life kept its state machine (~170 B)
/// alive per idle connection. One drain runs at a time (the queue has one reader), in order, so a
/// close still follows every frame sent or queued before it.
/// </remarks>
public static class SendPump
{
    private static readonly Action<object?> OnReadable = static state => Resume((Connection)state!);

    /// <summary>
    /// Lets senders write to the idle socket themselves, counted in <paramref name="counters"/>, and
    /// sends whatever is queued already. <see cref="Connection.WhenSendsFinished"/> completes once the
    /// close (requested with <see cref="Connection.RequestClose"/>) has been sent.
    /// </summary>
    /// <returns>
    /// The first drain, already complete when nothing was queued: the pump then holds no task until
    /// something queues. Failures end the connection, not the task.
    /// </returns>
    public static Task Start(Connection connection, SendCounters counters)
    {
        connection.EnableDirectSends(counters);
        return DrainAsync(connection, counters);
    }

    private static void Resume(Connection connection)
    {
        connection.Queue.EndReaderWait();
        _ = DrainAsync(connection, connection.Counters!);
    }

    private static async Task DrainAsync(Connection connection, SendCounters counters)
    {
        var queue = connection.Queue;
        var idle = false;
        try
        {
            while (true)
            {
                if (!connection.TryReadQueued(out var frame))
                {
                    var wait = queue.WaitToReadThen(OnReadable, connection);
                    if (wait == ReaderWait.Waiting)
                    {
                        idle = true;
                        return;
                    }

                    if (wait == ReaderWait.Finished)
                    {
                        break;
                    }

                    continue;
                }

                if (connection.Close is { Flush: false })
                {
                    break;
                }

                counters.FramesSent.Add(await connection.WriteQueuedAsync(frame));
            }

            // The socket is taken only here, at the close: an idle connection may hold none (Connection.Socket).
            if (connection.Close is { } close && connection.SocketState == WebSocketState.Open)
            {
                await connection.Socket.CloseOutputAsync((WebSocketCloseStatus)close.Code, close.Reason, CancellationToken.None);
            }
            else if (connection.SocketState == WebSocketState.CloseReceived)
            {
                // The client closed first: answer with its own status, as RFC 6455 (5.5.1) asks, so its
                // close handshake completes instead of ending in a dropped connection (1006).
                var socket = connection.Socket;
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            connection.RequestClose(new CloseRequest(CloseCodes.ServiceRestart, "send failed", Flush: false));
            connection.Socket.Abort();
        }
        finally
        {
            if (!idle)
            {
                connection.SendsFinished();
            }
        }
    }
}
