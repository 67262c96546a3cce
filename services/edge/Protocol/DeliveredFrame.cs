using System.Text;
using Suite.Contracts.Edge.V1;

namespace Suite.Edge.Protocol;

/// <summary>
/// The client frame of a delivered <see cref="ServerMessage"/>, rendered once per delivery and shared
/// by every recipient: rendered from the structured fields by <see cref="ServerMessageJson"/>, or the
/// legacy <c>json</c> of an older publisher sent verbatim.
/// </summary>
internal static class DeliveredFrame
{
    /// <exception cref="InvalidDataException">The message cannot be rendered (see <see cref="ServerMessageJson.Write"/>).</exception>
    public static ReadOnlyMemory<byte> Render(ServerMessage message)
    {
        if (ServerMessageJson.IsLegacy(message))
        {
            return Encoding.UTF8.GetBytes(message.Json);
        }

        var frame = FrameBuffer.Rent();
        ServerMessageJson.Write(message, frame.Writer);
        return frame.ToPayload();
    }
}
