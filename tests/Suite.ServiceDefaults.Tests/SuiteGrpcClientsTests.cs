using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Room.V1;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.ServiceDefaults.Tests;

/// <summary>
/// The clients every service builds with <see cref="SuiteGrpcClients.AddSuiteGrpcClient"/>, against
/// real gRPC servers on loopback: the resilience handler is in the chain, and an address setting
/// with several replicas fails over in order.
/// </summary>
public sealed class SuiteGrpcClientsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(LoopbackRoom.FailureKind.Drop)]
    [InlineData(LoopbackRoom.FailureKind.ServiceUnavailable)]
    public async Task A_transport_failure_is_retried_by_the_resilience_handler(LoopbackRoom.FailureKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await LoopbackRoom.StartAsync(mark: 7, ct, failFirst: 1, kind);
        await using var services = Client(room.Address);

        var answer = await Rooms(services).GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: Deadline(), cancellationToken: ct);

        Assert.Equal(7UL, answer.LastSeq);
        Assert.Equal(2, room.Calls);
    }

    [Fact]
    public async Task An_attempt_that_outlasts_the_upstream_timeout_is_cut_and_retried_well_before_the_call_deadline()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await LoopbackRoom.StartAsync(mark: 9, ct, failFirst: 1, LoopbackRoom.FailureKind.Hang);
        await using var services = Client(room.Address, upstreamTimeout: TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        // The deadline is far away: only the handler's per-attempt timeout can end the stalled attempt.
        var answer = await Rooms(services).GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: ct);

        Assert.Equal(9UL, answer.LastSeq);
        Assert.Equal(2, room.Calls);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"the stalled attempt was cut by the 300 ms timeout, not the 20 s deadline ({started.Elapsed})");
    }

    [Fact]
    public async Task Calls_go_to_the_first_address_that_is_up()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var second = await LoopbackRoom.StartAsync(mark: 2, ct);
        await using var services = Client($"http://127.0.0.1:{FreePort.Next()},{second.Address}");

        var answer = await Rooms(services).GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: Deadline(), cancellationToken: ct);

        Assert.Equal(2UL, answer.LastSeq);
    }

    [Fact]
    public async Task Calls_move_to_the_second_address_when_the_first_stops_and_stay_in_order_while_both_are_up()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await LoopbackRoom.StartAsync(mark: 1, ct);
        await using var second = await LoopbackRoom.StartAsync(mark: 2, ct);
        await using var services = Client($"{first.Address}, {second.Address}");
        var rooms = Rooms(services);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1UL, (await rooms.GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: Deadline(), cancellationToken: ct)).LastSeq);
        }

        await first.DisposeAsync();

        // The call in flight when a replica goes may fail; the next ones reach the second.
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return (await rooms.GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: Deadline(), cancellationToken: ct)).LastSeq;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    return 0UL;
                }
            },
            mark => mark == 2,
            Wait,
            ct,
            "calls reach the second address");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(2UL, (await rooms.GetHistoryAsync(new GetHistoryRequest { RoomId = "r" }, deadline: Deadline(), cancellationToken: ct)).LastSeq);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5102", 1)]
    [InlineData("http://127.0.0.1:5102,http://127.0.0.1:5112", 2)]
    [InlineData(" https://a:1 , https://b:2 ,https://c:3", 3)]
    public void Address_settings_hold_one_or_more_addresses(string setting, int count)
    {
        Assert.Equal(count, UpstreamAddressesAttribute.Parse(setting).Count);
        Assert.True(new UpstreamAddressesAttribute().IsValid(setting));
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:5102")]
    [InlineData("http://127.0.0.1:5102,")]
    [InlineData("http://a:1,https://b:2")]
    [InlineData("ftp://a:1")]
    public void Address_settings_refuse_what_is_not_a_list_of_http_addresses(string setting)
    {
        Assert.False(new UpstreamAddressesAttribute().IsValid(setting));
        Assert.Throws<FormatException>(() => UpstreamAddressesAttribute.Parse(setting));
    }

    private static ServiceProvider Client(string address, TimeSpan? upstreamTimeout = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<UpstreamOptions>().Configure(o => o.RoomAddress = address);
        services.AddSuiteGrpcClient<RoomService.RoomServiceClient, UpstreamOptions>("room", o => o.RoomAddress, _ => upstreamTimeout ?? TimeSpan.FromSeconds(5));
        return services.BuildServiceProvider();
    }

    private static RoomService.RoomServiceClient Rooms(IServiceProvider services) => services.GetRequiredService<RoomService.RoomServiceClient>();

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(5);

    public sealed class UpstreamOptions
    {
        public string RoomAddress { get; set; } = "";
    }
}
