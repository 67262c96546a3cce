using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Suite.Notifications.Client;

public static class NotificationPublisherRegistration
{
    /// <summary>
    /// <see cref="NotificationPublisher"/> as a singleton over the application's <c>DaprClient</c>
    /// (register it with <c>AddDaprClient</c>).
    /// </summary>
    public static IServiceCollection AddNotificationPublisher(this IServiceCollection services, Action<NotificationPublisherOptions>? configure = null)
    {
        var options = new NotificationPublisherOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(sp => new NotificationPublisher(sp.GetRequiredService<Dapr.Client.DaprClient>(), options));
        return services;
    }
}
