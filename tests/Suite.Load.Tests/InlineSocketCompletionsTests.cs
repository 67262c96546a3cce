using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The generator's own sockets complete inline, and the servers it starts run as deployed: the variable
/// that turns it on must not reach them.
/// </summary>
public sealed class InlineSocketCompletionsTests
{
    [Fact]
    public async Task The_generator_run_as_a_program_completes_its_receives_off_the_thread_pool_and_says_so()
    {
        var output = Path.Combine(Path.GetTempPath(), $"inline-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Suite.Load.dll"), "connect", "--mode", "edge", "--connections", "5", "--settle", "1s", "--out", output },
            WorkingDirectory = LoadProgram.FindRepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove(InlineSocketCompletions.Variable);
        try
        {
            using var generator = Process.Start(start)!;
            var stderr = generator.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = generator.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            await generator.WaitForExitAsync(timeout.Token);
            Assert.True(generator.ExitCode == 0, await stderr);

            var settings = JsonNode.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken))!["settings"]!;
            Assert.True(settings["loadInlineSocketCompletions"]!.GetValue<bool>());
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task A_server_started_after_turning_them_on_does_not_inherit_the_variable()
    {
        var before = Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable);

        // Whether it takes effect here depends on whether this test process used a socket before.
        InlineSocketCompletions.Enable();
        Assert.Equal(before, Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await using var edge = await EdgeProcess.StartAsync(LoadSmokeTests.EdgeDll, new LoadSettings().SigningKey, [], timeout.Token, edgeId: "edge-inline");
        var pids = ((ISystemUnderTest)edge).ServerProcessIds();
        Assert.NotEmpty(pids);
        foreach (var pid in pids)
        {
            var environment = (await File.ReadAllTextAsync($"/proc/{pid}/environ", timeout.Token)).Split('\0');
            Assert.DoesNotContain(environment, entry => entry.StartsWith(InlineSocketCompletions.Variable + "=", StringComparison.Ordinal));
        }
    }
}
