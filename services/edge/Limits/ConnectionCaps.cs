using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;

namespace Suite.Edge.Limits;

/// <summary>
/// The per-address and per-user connection caps (<see cref="ConnectionOptions.MaxConnectionsPerIp"/>,
/// <see cref="ConnectionOptions.MaxConnectionsPerUser"/>): how many connections each holds now.
/// </summary>
/// <remarks>
/// A count per key that exists only while the key holds a connection, so an edge with the caps off
/// (the default) keeps nothing and one with them on keeps an entry per address or user connected.
/// Taken and given back only at the upgrade, the first auth and the close, never per frame.
/// </remarks>
public sealed class ConnectionCaps(IOptions<ConnectionOptions> options)
{
    private readonly int _perIp = options.Value.MaxConnectionsPerIp;
    private readonly int _perUser = options.Value.MaxConnectionsPerUser;
    private readonly ConcurrentDictionary<IPAddress, int> _addresses = new();
    private readonly ConcurrentDictionary<string, int> _users = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a place for one more connection from <paramref name="address"/>; false when it holds the
    /// cap already. <paramref name="hold"/> gives the place back (a no-op when the cap is off).
    /// </summary>
    public bool TryHoldAddress(IPAddress? address, out AddressHold hold)
    {
        hold = default;
        if (_perIp == 0 || address is null)
        {
            return true;
        }

        // One client seen over IPv4 and IPv4-mapped IPv6 is one address.
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (!TryTake(_addresses, address, _perIp))
        {
            return false;
        }

        hold = new AddressHold(this, address);
        return true;
    }

    /// <summary>Takes a place for one more connection of <paramref name="userId"/>; false when the user holds the cap already.</summary>
    public bool TryHoldUser(string userId) => _perUser == 0 || TryTake(_users, userId, _perUser);

    /// <summary>Gives back a place <see cref="TryHoldUser"/> took.</summary>
    public void ReleaseUser(string userId)
    {
        if (_perUser != 0)
        {
            Give(_users, userId);
        }
    }

    private static bool TryTake<TKey>(ConcurrentDictionary<TKey, int> counts, TKey key, int max)
        where TKey : notnull
    {
        while (true)
        {
            if (counts.TryGetValue(key, out var held))
            {
                if (held >= max)
                {
                    return false;
                }

                if (counts.TryUpdate(key, held + 1, held))
                {
                    return true;
                }
            }
            else if (counts.TryAdd(key, 1))
            {
                return true;
            }
        }
    }

    private static void Give<TKey>(ConcurrentDictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        while (counts.TryGetValue(key, out var held))
        {
            // The last place removes the entry, so keys that left cost nothing.
            if (held <= 1 ? counts.TryRemove(new KeyValuePair<TKey, int>(key, held)) : counts.TryUpdate(key, held - 1, held))
            {
                return;
            }
        }
    }

    /// <summary>A place under the per-address cap; <see cref="Release"/> gives it back (default: nothing held).</summary>
    public readonly struct AddressHold
    {
        private readonly ConnectionCaps? _caps;
        private readonly IPAddress? _address;

        internal AddressHold(ConnectionCaps caps, IPAddress address)
        {
            _caps = caps;
            _address = address;
        }

        public void Release()
        {
            if (_caps is not null)
            {
                Give(_caps._addresses, _address!);
            }
        }
    }
}
