using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Suite.ServiceDefaults.State;

public static class StateStoreApp
{
    /// <summary>
    /// Registers <see cref="StateStore"/> with the limits the service derives from its own settings.
    /// The service registers the DaprClient (AddDaprClient) and adds <see cref="StateErrorInterceptor"/>
    /// to its gRPC server.
    /// </summary>
    public static IServiceCollection AddStateStore(this IServiceCollection services, Func<IServiceProvider, StateStoreLimits> limits)
    {
        services.AddSingleton(sp => new StateStore(sp.GetRequiredService<DaprClient>(), limits(sp)));
        return services;
    }
}
