using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.State;

public static class StateStoreApp
{
    /// <summary>
    /// Registers <see cref="StateStore"/> with the limits the service derives from its own settings,
    /// over the service's <see cref="SidecarClient"/> (registered here with the SDK's channel options
    /// unless the service registered it first), serialising the stored types with <paramref name="types"/>
    /// (the service's source-generated context). The service adds <see cref="StateErrorInterceptor"/>
    /// to its gRPC server.
    /// </summary>
    public static IServiceCollection AddStateStore(this IServiceCollection services, Func<IServiceProvider, StateStoreLimits> limits, IJsonTypeInfoResolver? types = null)
    {
        services.AddSidecar();
        services.AddSingleton(sp => new StateStore(sp.GetRequiredService<SidecarClient>(), limits(sp), types));
        return services;
    }
}
