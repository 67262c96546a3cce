using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Suite.Edge.Tests.Delivery;

public sealed class DeliverySubscriptionSettingTests
{
    [Theory]
    [InlineData("Streaming")]
    [InlineData("http")]
    public void Streaming_and_http_are_accepted(string value) =>
        Assert.Equal(value, Read(value).DeliverySubscription.ToString(), ignoreCase: true);

    [Theory]
    [InlineData("Pigeon")]
    [InlineData("7")]
    public void Other_values_fail_validation(string value)
    {
        // A name that is no member fails binding; a number that is none fails [EnumDataType].
        var error = Record.Exception(() => Read(value));
        Assert.True(error is InvalidOperationException or OptionsValidationException, $"expected a binding or validation error, got {error?.GetType().Name ?? "none"}");
    }

    [Fact]
    public void Streaming_is_the_default() =>
        Assert.Equal(Edge.Delivery.DeliverySubscription.Streaming, new EdgeOptions().DeliverySubscription);

    // The registration EdgeApp makes, so binding and data annotations both apply.
    private static EdgeOptions Read(string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Edge:EdgeId"] = "edge-1", ["Edge:DeliverySubscription"] = value })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EdgeOptions>>().Value;
    }
}
