using System.Diagnostics;
using System.Net;
using Suite.LocalServers;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>
/// The in-process addresses of the embedded suite: a reserved address takes calls in memory once
/// its server attaches, refuses them as a closed port would before and after, and an address never
/// reserved is left to the network.
/// </summary>
public sealed class InProcessEndpointsTests
{
    [Fact]
    public async Task A_reserved_address_refuses_calls_until_its_server_attaches_and_again_after_it_detaches()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address();
        using var reservation = InProcessEndpoints.Reserve(address);
        using var client = new HttpMessageInvoker(InMemory(address));

        var before = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(address), ct));
        Assert.Equal(HttpRequestError.ConnectionError, before.HttpRequestError);

        var server = new AnsweringServer();
        using (InProcessEndpoints.Attach(address, server))
        {
            using var response = await client.SendAsync(Get(address), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(1, server.Calls);
        }

        var after = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(address), ct));
        Assert.Equal(HttpRequestError.ConnectionError, after.HttpRequestError);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public void An_address_never_reserved_or_released_is_left_to_the_network()
    {
        var address = Address();
        using var network = new HttpClientHandler();
        Assert.Same(network, InProcessEndpoints.HandlerOr(address, () => network));
        using (InProcessEndpoints.Attach(address, new AnsweringServer()))
        {
            Assert.Same(network, InProcessEndpoints.HandlerOr(address, () => network));
        }

        InProcessEndpoints.Reserve(address).Dispose();
        Assert.Same(network, InProcessEndpoints.HandlerOr(address, () => network));
    }

    [Fact]
    public void One_address_is_reserved_once()
    {
        var address = Address();
        using var reservation = InProcessEndpoints.Reserve(address);
        Assert.Throws<InvalidOperationException>(() => InProcessEndpoints.Reserve(address));
    }

    [Fact]
    public async Task A_client_disposing_its_handler_leaves_the_server_attached_for_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        using var served = Served.Start();
        var (address, server) = (served.At, served.Server);

        // An HttpClientFactory disposes its primary handler when it rotates it.
        InMemory(address).Dispose();
        using var other = new HttpMessageInvoker(InMemory(address));
        using var response = await other.SendAsync(Get(address), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(server.Disposed);
    }

    [Fact]
    public async Task A_call_made_inside_a_trace_carries_it_to_the_server()
    {
        var ct = TestContext.Current.CancellationToken;
        using var served = Served.Start();
        var (address, server) = (served.At, served.Server);
        using var client = new HttpMessageInvoker(InMemory(address));

        using (var untraced = await client.SendAsync(Get(address), ct))
        {
            Assert.Null(server.TraceParent);
        }

        using var activity = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        using var traced = await client.SendAsync(Get(address), ct);

        Assert.Equal(activity.Id, server.TraceParent);
    }

    // The address's in-memory handler; the test fails if it would be the network's.
    private static HttpMessageHandler InMemory(Uri address) =>
        InProcessEndpoints.HandlerOr(address, () => throw new InvalidOperationException($"{address} is not reserved"));

    private static Uri Address() => new($"http://127.0.0.1:{FreePort.Next()}");

    private static HttpRequestMessage Get(Uri address) => new(HttpMethod.Get, new Uri(address, "/x"));

    // A reserved address with a server attached, both released on dispose.
    private sealed record Served(Uri At, AnsweringServer Server, IDisposable Reservation, IDisposable Attachment) : IDisposable
    {
        public static Served Start()
        {
            var address = Address();
            var reservation = InProcessEndpoints.Reserve(address);
            var server = new AnsweringServer();
            return new Served(address, server, reservation, InProcessEndpoints.Attach(address, server));
        }

        public void Dispose()
        {
            Attachment.Dispose();
            Reservation.Dispose();
        }
    }

    private sealed class AnsweringServer : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public bool Disposed { get; private set; }

        public string? TraceParent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            TraceParent = request.Headers.TryGetValues("traceparent", out var values) ? values.Single() : null;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted));
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
