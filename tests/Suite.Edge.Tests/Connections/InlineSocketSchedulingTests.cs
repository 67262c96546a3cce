using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Connections;

/// <summary><c>Connections:InlineSocketScheduling</c> reaches Kestrel's socket transport, and is off unless set.</summary>
public sealed class InlineSocketSchedulingTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void The_setting_decides_whether_the_socket_transport_schedules_inline(string? setting, bool expected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (setting is not null)
        {
            builder.Configuration["Connections:InlineSocketScheduling"] = setting;
        }

        builder.AddConnections();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }
}
