using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>The service this process is, as its service tokens name it.</summary>
public sealed record CallingService(string Name);

/// <summary>Puts this service's token on a gRPC call (nothing while service authentication is off).</summary>
public sealed class ServiceCallCredentials
{
    private readonly IOptions<ServiceAuthOptions> _options;
    private readonly ServiceTokens _tokens;
    private readonly CallingService _me;

    public ServiceCallCredentials(IOptions<ServiceAuthOptions> options, ServiceTokens tokens, CallingService me)
    {
        (_options, _tokens, _me) = (options, tokens, me);
        Value = CallCredentials.FromInterceptor((_, metadata) => AddTokenAsync(metadata));
    }

    /// <summary>The same as call credentials, for a channel made by hand.</summary>
    public CallCredentials Value { get; }

    public Task AddTokenAsync(Metadata metadata)
    {
        if (_options.Value.Enabled)
        {
            metadata.Add(ServiceAuthInterceptor.Header, "Bearer " + _tokens.For(_me.Name));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// <paramref name="channel"/> sending the token on every call to <paramref name="address"/>; inside
    /// the suite the channels are h2c, so the credentials must be allowed on an insecure channel.
    /// </summary>
    public void Apply(Grpc.Net.Client.GrpcChannelOptions channel, Uri address)
    {
        channel.Credentials = ChannelCredentials.Create(address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, Value);
        channel.UnsafeUseInsecureChannelCallCredentials = true;
    }
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
