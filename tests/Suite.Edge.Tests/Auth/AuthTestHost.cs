using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Suite.Edge.Auth;

namespace Suite.Edge.Tests.Auth;

// The validator as the edge builds it: AddEdgeAuth over an "Auth" configuration section.
internal sealed class AuthTestHost : IDisposable
{
    public const string DevKey = "suite-edge-tests-hs256-key-0123456789abcdef";

    private readonly IHost _host;

    private AuthTestHost(IHost host) => _host = host;

    public TokenValidator Validator => _host.Services.GetRequiredService<TokenValidator>();

    public static AuthTestHost Create(TimeProvider time, params (string Key, string? Value)[] auth) =>
        CreateIn(Environments.Development, time, auth);

    /// <summary>As the edge builds it in <paramref name="environment"/> (Development for dev keys, as tests and the quick starts run).</summary>
    public static AuthTestHost CreateIn(string environment, TimeProvider time, params (string Key, string? Value)[] auth)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in auth)
        {
            settings[$"{AuthOptions.SectionName}:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddSingleton(time);
        builder.AddEdgeAuth();
        return new AuthTestHost(builder.Build());
    }

    public static AuthTestHost CreateDev(TimeProvider time, params (string Key, string? Value)[] extra) =>
        Create(time, [("SigningKey", DevKey), .. extra]);

    public Task StartAsync(CancellationToken cancellationToken) => _host.StartAsync(cancellationToken);

    public void Dispose() => _host.Dispose();
}
