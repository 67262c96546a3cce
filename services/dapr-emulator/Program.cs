using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Hosting;

namespace Suite.DaprEmulator;

// A named entry point rather than top-level statements: test projects reference both this and a
// service, and two generated global `Program` types would collide.
public static class EmulatorProgram
{
    // Started with daprd's own flags, e.g.
    //   dotnet run --project services/dapr-emulator -- --app-id edge-0 --app-port 5000 \
    //     --dapr-grpc-port 50001 --dapr-http-port 3500 --resources-path components/memory
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = EmulatorHost.Build(CommandLine.Parse(args, Environment.GetEnvironmentVariable));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"dapr-emulator: {ex.Message}");
            return 2;
        }
        catch (ComponentConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"dapr-emulator: invalid resources: {ex.Message}");
            return 1;
        }

        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"dapr-emulator: failed to start: {ex.Message}");
            return 1;
        }
    }
}
