using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>The service this process is, as its service tokens name it.</summary>
public sealed record CallingService(string Name);

/// <summary>Credentials that put this service's token on a gRPC call (nothing while service authentication is off).</summary>
public sealed class ServiceCallCredentials(IOptions<ServiceAuthOptions> options, ServiceTokens tokens, CallingService me)
{
    public CallCredentials Value { get; } = CallCredentials.FromInterceptor((_, metadata) =>
    {
        if (options.Value.Enabled)
        {
            metadata.Add(ServiceAuthInterceptor.Header, "Bearer " + tokens.For(me.Name));
        }

        return Task.CompletedTask;
    });
}

public static class ServiceAuthRegistration
{
    /// <summary>
    /// Service authentication for the service <paramref name="service"/>: its tokens on every call it
    /// makes through <see cref="SuiteGrpcClients"/>, and <paramref name="policy"/> on the calls it
    /// serves (add <see cref="ServiceAuthInterceptor"/> to its gRPC interceptors).
    /// </summary>
    public static IServiceCollection AddServiceAuth(this IServiceCollection services, string service, CallerPolicy? policy = null)
    {
        services.AddOptions<ServiceAuthOptions>().BindConfiguration(ServiceAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new ServiceTokens(sp.GetRequiredService<IOptions<ServiceAuthOptions>>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton(new CallingService(service));
        services.TryAddSingleton<ServiceCallCredentials>();
        services.TryAddSingleton(policy ?? CallerPolicy.Open);
        return services;
    }
}
