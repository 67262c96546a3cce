using System.Net;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;
using Suite.Edge.Limits;

namespace Suite.Edge.Tests.Limits;

/// <summary>The per-address and per-user connection counts behind the caps.</summary>
public sealed class ConnectionCapsTests
{
    [Fact]
    public void An_address_and_its_ipv4_mapped_form_share_one_count_and_a_released_place_is_free_again()
    {
        var caps = new ConnectionCaps(Options.Create(new ConnectionOptions { MaxConnectionsPerIp = 2 }));
        var v4 = IPAddress.Parse("203.0.113.7");

        Assert.True(caps.TryHoldAddress(v4, out var first));
        Assert.True(caps.TryHoldAddress(v4.MapToIPv6(), out _));
        Assert.False(caps.TryHoldAddress(v4, out _));
        Assert.True(caps.TryHoldAddress(IPAddress.Parse("203.0.113.8"), out _));

        first.Release();

        Assert.True(caps.TryHoldAddress(v4, out _));
        Assert.False(caps.TryHoldAddress(v4, out _));
    }

    [Fact]
    public void Users_are_counted_apart_and_a_released_place_is_free_again()
    {
        var caps = new ConnectionCaps(Options.Create(new ConnectionOptions { MaxConnectionsPerUser = 1 }));

        Assert.True(caps.TryHoldUser("alice"));
        Assert.False(caps.TryHoldUser("alice"));
        Assert.True(caps.TryHoldUser("Alice"));

        caps.ReleaseUser("alice");

        Assert.True(caps.TryHoldUser("alice"));
    }

    [Fact]
    public void Caps_are_off_by_default()
    {
        var caps = new ConnectionCaps(Options.Create(new ConnectionOptions()));

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(caps.TryHoldAddress(IPAddress.Loopback, out _));
            Assert.True(caps.TryHoldUser("alice"));
        }
    }
}
