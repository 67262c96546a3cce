using Suite.Edge.Surfaces;

namespace Suite.Edge.Tests.Surfaces;

/// <summary>Which values <c>Edge:InternalUrl</c> accepts: the edge refuses to start with any other.</summary>
public sealed class InternalPortTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5110", 5110)]
    [InlineData("http://0.0.0.0:6000", 6000)]
    [InlineData("http://*:5110", 5110)]
    [InlineData("http://localhost:1", 1)]
    public void An_http_address_with_a_port_names_the_internal_port(string url, int port) =>
        Assert.Equal(port, InternalPort.PortOf(url));

    [Theory]
    [InlineData("")]
    [InlineData("https://127.0.0.1:5110")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:5110/dapr")]
    [InlineData("127.0.0.1:5110")]
    [InlineData("http://unix:/tmp/edge.sock")]
    public void Anything_else_is_refused(string url) => Assert.Null(InternalPort.PortOf(url));
}
