using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Connections;

/// <summary>Which permessage-deflate offers the edge accepts and how it answers them (RFC 7692 §5, §7.1).</summary>
public sealed class PermessageDeflateTests
{
    private const string Plain = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

    [Theory]
    [InlineData("permessage-deflate")]
    [InlineData("permessage-deflate; client_max_window_bits")]
    [InlineData("permessage-deflate; client_max_window_bits=10")]
    [InlineData("permessage-deflate; client_max_window_bits=\"12\"")]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [InlineData("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits")]
    [InlineData("Permessage-Deflate ;  client_max_window_bits ")]
    public void An_acceptable_offer_gets_both_no_context_takeover_parameters(string offer)
    {
        Assert.True(PermessageDeflate.TryAccept(new StringValues(offer), out var response));
        Assert.Equal(Plain, response);
    }

    [Fact]
    public void A_full_window_limit_on_the_server_is_accepted_and_answered()
    {
        Assert.True(PermessageDeflate.TryAccept(new StringValues("permessage-deflate; server_max_window_bits=15"), out var response));
        Assert.Equal(Plain + "; server_max_window_bits=15", response);
    }

    [Theory]
    [InlineData("permessage-deflate; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits")]
    [InlineData("permessage-deflate; client_max_window_bits=7")]
    [InlineData("permessage-deflate; client_max_window_bits=16")]
    [InlineData("permessage-deflate; client_max_window_bits=010")]
    [InlineData("permessage-deflate; client_no_context_takeover; client_no_context_takeover")]
    [InlineData("permessage-deflate; server_no_context_takeover=1")]
    [InlineData("permessage-deflate; mystery")]
    [InlineData("x-webkit-deflate-frame")]
    [InlineData("")]
    public void An_offer_the_edge_cannot_honour_is_declined(string offer) =>
        Assert.False(PermessageDeflate.TryAccept(new StringValues(offer), out _));

    [Fact]
    public void A_declined_offer_falls_back_to_the_next_one_in_any_header()
    {
        var headers = new StringValues(["permessage-deflate; server_max_window_bits=9, permessage-deflate; mystery", "permessage-deflate; client_max_window_bits"]);
        Assert.True(PermessageDeflate.TryAccept(headers, out var response));
        Assert.Equal(Plain, response);
    }

    [Fact]
    public void Deflate_is_off_by_default_at_level_1_from_256_bytes()
    {
        var options = Read([]);
        Assert.False(options.PermessageDeflate);
        Assert.Equal(1, options.DeflateLevel);
        Assert.Equal(256, options.DeflateMinBytes);
    }

    [Theory]
    [InlineData("Connections:DeflateLevel", "0")]
    [InlineData("Connections:DeflateLevel", "10")]
    [InlineData("Connections:DeflateMinBytes", "-1")]
    public void Deflate_settings_out_of_range_fail_validation_naming_the_setting(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { [key] = value }));
        Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
    }

    // Bound and validated as AddConnections does (data annotations).
    private static ConnectionOptions Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ConnectionOptions>>().Value;
    }
}
