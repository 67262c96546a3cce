using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Room.V1;
using Suite.LocalServers;

namespace Suite.ServiceDefaults.Tests;

/// <summary>
/// A real gRPC server on a loopback port (h2c, as the suite's services listen) whose GetHistory
/// answers with <see cref="Mark"/> as last_seq, so a caller can tell which server answered. It can
/// fail the first calls in transport, as a replica that goes away mid-call does.
/// </summary>
public sealed class LoopbackRoom : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;
    private int _failuresLeft;

    private LoopbackRoom(WebApplication app, int port, ulong mark, int failures, FailureKind kind)
    {
        _app = app;
        Address = $"http://127.0.0.1:{port}";
        Mark = mark;
        _failuresLeft = failures;
        Kind = kind;
    }

    public enum FailureKind
    {
        /// <summary>The stream is reset without an answer (the server side of a dropped connection).</summary>
        Drop,

        /// <summary>HTTP 503 before gRPC runs, as a proxy or a starting server answers.</summary>
        ServiceUnavailable,

        /// <summary>No answer until the caller gives up, as a server that stalled.</summary>
        Hang,
    }

    public string Address { get; }

    public ulong Mark { get; }

    public FailureKind Kind { get; }

    /// <summary>Requests that reached the server, failed ones included.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public static async Task<LoopbackRoom> StartAsync(ulong mark, CancellationToken cancellationToken, int failFirst = 0, FailureKind kind = FailureKind.Drop, int? port = null)
    {
        var listen = port ?? FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, listen, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        var room = new LoopbackRoom(app, listen, mark, failFirst, kind);
        app.Use(room.FailFirstAsync);
        app.MapGrpcService<Service>();
        await app.StartAsync(cancellationToken);
        return room;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task FailFirstAsync(HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref _calls);
        if (Interlocked.Decrement(ref _failuresLeft) < 0)
        {
            context.Items[nameof(LoopbackRoom)] = this;
            await next(context);
            return;
        }

        if (Kind == FailureKind.Drop)
        {
            context.Abort();
            return;
        }

        if (Kind == FailureKind.Hang)
        {
            // Until the client cancels the request (its timeout) or the server stops.
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
    }

    private sealed class Service : RoomService.RoomServiceBase
    {
        public override Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context) =>
            Task.FromResult(new GetHistoryResponse { LastSeq = ((LoopbackRoom)context.GetHttpContext().Items[nameof(LoopbackRoom)]!).Mark });
    }
}
