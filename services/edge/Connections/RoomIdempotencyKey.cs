using System.Security.Cryptography;
using System.Text;

namespace Suite.Edge.Connections;

/// <summary>
/// The idempotency key of a room message, which the room's window answers repeats of with the
/// first answer. With a frame <c>id</c> it is the client's own key, so a retry after a timeout, on
/// this connection or a later one, stores the message once; without one, every frame is new.
/// </summary>
public static class RoomIdempotencyKey
{
    public static string For(string userId, string? frameId, string connectionId, long sequence)
    {
        if (string.IsNullOrEmpty(frameId))
        {
            return $"{connectionId}:{sequence}";
        }

        // Scoped to the user so two users' ids never meet. Hashed over the length-prefixed pair: a
        // plain "user:{userId}:{id}" is ambiguous when either holds ':' and, at 128 + 128 characters,
        // longer than room's key limit; the digest is unambiguous and always 69 characters.
        var scoped = Encoding.UTF8.GetBytes($"{userId.Length}:{userId}{frameId}");
        return "user:" + Convert.ToHexStringLower(SHA256.HashData(scoped));
    }
}
