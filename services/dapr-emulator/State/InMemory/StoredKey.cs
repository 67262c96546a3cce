using System.Runtime.InteropServices;
using System.Text;

namespace Suite.DaprEmulator.State.InMemory;

/// <summary>
/// A key of <see cref="InMemoryStateStore"/> as bytes: one per character when the key is ASCII (every
/// key the suite writes), else a 0xFF marker no ASCII key holds and the key's UTF-16 code units, so two
/// keys are equal exactly when their strings are. The embedded suite keeps an app-prefixed key or two
/// for every connection (presence's user record and index slot, ~100 characters); as strings they took
/// two bytes a character.
/// </summary>
internal readonly struct StoredKey : IEquatable<StoredKey>
{
    private const byte Utf16Marker = 0xFF;
    private readonly byte[] _bytes;

    public StoredKey(string key)
    {
        if (Ascii.IsValid(key))
        {
            _bytes = new byte[key.Length];
            Ascii.FromUtf16(key, _bytes, out _);
        }
        else
        {
            _bytes = new byte[1 + (key.Length * sizeof(char))];
            _bytes[0] = Utf16Marker;
            MemoryMarshal.AsBytes(key.AsSpan()).CopyTo(_bytes.AsSpan(1));
        }
    }

    public bool Equals(StoredKey other) => _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is StoredKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => _bytes.Length > 0 && _bytes[0] == Utf16Marker
        ? new string(MemoryMarshal.Cast<byte, char>(_bytes.AsSpan(1)))
        : Encoding.ASCII.GetString(_bytes);
}
