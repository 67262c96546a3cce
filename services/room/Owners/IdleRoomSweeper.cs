using Microsoft.Extensions.Options;

namespace Suite.Room.Owners;

/// <summary>Unloads rooms idle for <see cref="RoomOptions.IdleRoomUnload"/>, checking a tenth as often.</summary>
internal sealed class IdleRoomSweeper(RoomOwners owners, IOptions<RoomOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = options.Value.IdleRoomUnload;
        using var timer = new PeriodicTimer(idle / 10, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await owners.UnloadIdleAsync(idle, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
