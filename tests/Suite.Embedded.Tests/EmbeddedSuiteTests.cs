using System.Net;
using System.Net.Sockets;
using Suite.LocalServers;

namespace Suite.Embedded.Tests;

/// <summary>The README's first command: every service in one process over in-memory components.</summary>
public sealed class EmbeddedSuiteTests
{
    [Fact]
    public async Task Embedded_suite_carries_a_room_message_and_a_direct_message_end_to_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        await using var suite = await EmbeddedSuite.StartAsync(port, ct);
        await using var alice = await EmbeddedClients.ConnectAsync(port, "alice", ct);
        await using var bob = await EmbeddedClients.ConnectAsync(port, "bob", ct);
        await EmbeddedClients.JoinAsync("lobby", ct, alice, bob);

        await alice.SendAsync(new { type = "message", roomId = "lobby", content = "hi bob" }, ct);
        await alice.SendAsync(new { type = "direct", to = "bob", content = "psst" }, ct);

        var message = await bob.ReceiveAsync("message", ct);
        Assert.Equal("hi bob", message.GetProperty("content").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
        Assert.Equal("psst", (await bob.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
    }

    [Fact]
    public async Task Embedded_suite_starts_on_fresh_ports_when_an_internal_port_is_taken_before_it_binds()
    {
        var ct = TestContext.Current.CancellationToken;
        // Another process took the first internal port between its choice and its bind.
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var handedOut = 0;
        int Ports() => Interlocked.Increment(ref handedOut) == 1 ? taken : FreePort.Next();

        var port = FreePort.Next();
        await using var suite = await EmbeddedSuite.StartAsync(port, Ports, ct);

        Assert.DoesNotContain(taken, suite.HttpPorts.Values.Concat(suite.SidecarHttpPorts.Values));
        await using var alice = await EmbeddedClients.ConnectAsync(port, "alice", ct);
        await EmbeddedClients.JoinAsync("lobby", ct, alice);
    }

    [Fact]
    public async Task Embedded_suite_reports_a_taken_edge_port_instead_of_moving_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        using var squatter = new TcpListener(IPAddress.Loopback, port);
        squatter.Start();

        var error = await Assert.ThrowsAnyAsync<IOException>(() => EmbeddedSuite.StartAsync(port, ct));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }
}
