using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Suite.Notification.Intake;

/// <summary>
/// The id of a <c>notifications</c> event that arrives without one. It must be the same on every
/// redelivery of one broker message, or the idempotency store, edges and clients see a new event each
/// time and nobody can drop the repeat.
/// </summary>
public static class DerivedEventId
{
    // Distinct from any id a publisher is likely to choose; README documents the form.
    private const string Prefix = "ce-";

    /// <summary>
    /// From the CloudEvent's source and id: daprd delivers the broker's bytes to a subscription without
    /// rawPayload (ours), so the envelope its publisher's sidecar wrote, id included, is the same on
    /// every redelivery, and CloudEvents makes source + id unique per event. A rawPayload subscription
    /// would break this (daprd gives each delivery a new CloudEvent id, dapr-contract §2.3), so
    /// <c>notifications</c> must stay without it. daprd always writes an id; an envelope without one
    /// (written to the broker by hand) falls back to source and body, the only stable thing left, at
    /// the cost that two identical such events within the idempotency window are published once.
    /// </summary>
    public static string For(string cloudEventSource, string cloudEventId, string body) =>
        cloudEventId.Length > 0
            ? Hash("cloudevent", cloudEventSource, cloudEventId)
            : Hash("payload", cloudEventSource, body);

    // Length-prefixed parts, so ("a", "bc") and ("ab", "c") differ; 128 bits of SHA-256 keep the id short.
    private static string Hash(params string[] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16));
    }
}
