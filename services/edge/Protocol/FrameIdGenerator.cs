using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Suite.Edge.Protocol;

// Frame ids only have to be unique (clients de-duplicate on them); they are not secrets and order
// comes from `seq`, not from ids. So an id is 64 random bits drawn once per generator plus a 64-bit
// counter: one Interlocked.Increment per frame instead of an RNG call, no collision within a
// process by construction, and between processes (other edges, this edge after a restart) a
// collision needs two equal 64-bit prefixes (~n²/2^65). 16 bytes in base64url are 22 ASCII
// characters that need no JSON escaping. The cost: ids reveal how many frames a process has sent.
internal sealed class FrameIdGenerator
{
    public const int Length = 22;

    private readonly ulong _prefix = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
    private long _counter;

    public void Write(Span<byte> utf8Destination)
    {
        Span<byte> raw = stackalloc byte[16];
        Fill(raw);
        Base64Url.EncodeToUtf8(raw, utf8Destination);
    }

    public string Next()
    {
        Span<byte> raw = stackalloc byte[16];
        Fill(raw);
        return Base64Url.EncodeToString(raw);
    }

    private void Fill(Span<byte> raw)
    {
        BinaryPrimitives.WriteUInt64BigEndian(raw, _prefix);
        BinaryPrimitives.WriteUInt64BigEndian(raw[sizeof(ulong)..], unchecked((ulong)Interlocked.Increment(ref _counter)));
    }
}
