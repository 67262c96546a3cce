using System.Diagnostics;
using Suite.Edge.Protocol;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Edge.Connections;

/// <summary>
/// One server span per client command (a frame the edge acts on), the root of whatever the command
/// causes: its calls to presence and room, the deliveries they publish and, on every edge, the
/// recipients' socket writes. Named by the frame's type from a fixed list, so a client cannot mint
/// span names.
/// </summary>
public static class CommandSpans
{
    public static Activity? Start(ServiceTracing tracing, Connection connection, ClientMessage message)
    {
        if (!tracing.Enabled)
        {
            return null;
        }

        var span = tracing.Source.StartActivity(Name(message.Type), ActivityKind.Server);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("suite.connection.id", connection.Id);
            span.SetTag("enduser.id", connection.Identity?.UserId);
            switch (message)
            {
                case JoinMessage join:
                    span.SetTag("suite.room.id", join.RoomId);
                    break;
                case LeaveMessage leave:
                    span.SetTag("suite.room.id", leave.RoomId);
                    break;
                case RoomMessage chat:
                    span.SetTag("suite.room.id", chat.RoomId);
                    break;
                case HistoryMessage history:
                    span.SetTag("suite.room.id", history.RoomId);
                    break;
            }
        }

        return span;
    }

    /// <summary>The span of a connection's activation (presence connect, inbox) after it authenticated.</summary>
    public static Activity? StartConnect(ServiceTracing tracing, Connection connection)
    {
        var span = tracing.Enabled ? tracing.Source.StartActivity("ws connect", ActivityKind.Server) : null;
        span?.SetTag("suite.connection.id", connection.Id);
        return span;
    }

    private static string Name(string type) => type switch
    {
        ClientMessageTypes.Auth => "ws auth",
        ClientMessageTypes.Join => "ws join",
        ClientMessageTypes.Leave => "ws leave",
        ClientMessageTypes.Message => "ws message",
        ClientMessageTypes.Direct => "ws direct",
        ClientMessageTypes.Subscribe => "ws subscribe",
        ClientMessageTypes.Unsubscribe => "ws unsubscribe",
        ClientMessageTypes.Ping => "ws ping",
        ClientMessageTypes.History => "ws history",
        ClientMessageTypes.Ack => "ws ack",
        _ => "ws other",
    };
}
