using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Suite.ServiceDefaults.Hashing;

/// <summary>
/// A string remembered by its 128-bit <see cref="XxHash128"/> under a seed, for sets that keep ids or
/// keys for minutes: every string kept that long is promoted to the oldest generation and dies there,
/// while a set of plain structs holds no references and is not even scanned by the collector.
/// </summary>
/// <remarks>
/// Draw the seed once per set (<see cref="NewSeed"/>): hashes of one set compare only with each
/// other, and a client cannot choose strings that collide without knowing it. Two different strings
/// taken for one needs equal 128-bit hashes among the set's members (~n²/2¹²⁹ for n strings).
/// Two longs rather than a UInt128, whose 16-byte alignment would pad every entry holding one.
/// </remarks>
public readonly record struct StringHash(ulong High, ulong Low)
{
    public static long NewSeed() => BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));

    public static StringHash Of(string value, long seed)
    {
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(value.AsSpan()), seed);
        return new StringHash((ulong)(hash >> 64), (ulong)hash);
    }
}
