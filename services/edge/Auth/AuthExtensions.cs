using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Suite.Edge.Auth;

public static class AuthExtensions
{
    public static IHostApplicationBuilder AddEdgeAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var development = builder.Environment.IsDevelopment();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>(_ => new AuthOptionsValidator(development)));
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Bounded so a hanging authority fails the first auth after seconds, not HttpClient's 100 s.
        builder.Services.AddHttpClient(FactoryDocumentRetriever.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.TryAddSingleton<TokenValidator>();
        return builder;
    }
}
