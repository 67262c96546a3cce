using Microsoft.IdentityModel.Protocols;

namespace Suite.Edge.Auth;

// ConfigurationManager lives as long as the process; taking a client from the factory per fetch keeps
// handler rotation (DNS changes) and whatever handlers the service adds to its HTTP clients.
internal sealed class FactoryDocumentRetriever(IHttpClientFactory httpClientFactory, bool requireHttps) : IDocumentRetriever
{
    public const string ClientName = "Suite.Edge.Auth.Metadata";

    public Task<string> GetDocumentAsync(string address, CancellationToken cancel)
    {
        var retriever = new HttpDocumentRetriever(httpClientFactory.CreateClient(ClientName)) { RequireHttps = requireHttps };
        return retriever.GetDocumentAsync(address, cancel);
    }
}
