using Suite.LocalServers;
using Xunit;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// The launcher runs a dozen processes for as long as a soak or a developer's day lasts: each one's
/// whole output goes to its log file (<c>--logs</c>), and only the recent part stays in memory.
/// </summary>
public sealed class ExternalServerLogTests
{
    private const int Lines = 30_000;

    [Fact]
    public async Task The_whole_output_goes_to_the_log_file_and_only_the_recent_part_stays_in_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("suite-logs-");
        try
        {
            var log = Path.Combine(folder.FullName, "chatty.log");
            var port = FreePort.Next();

            // 30,000 numbered lines of 100 characters (3 MB), then a real server that listens.
            await using (var server = await StartChattyServerAsync(port, log, ct))
            {
                await PollAsync(() => CountLines(log) >= Lines + 1, ct);
                Assert.InRange(server.Output.Length, 1, (1 << 20) + 200);
                Assert.Contains("line 29999 ", server.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("line 00001 ", server.Output, StringComparison.Ordinal);
            }

            var written = await File.ReadAllLinesAsync(log, ct);
            Assert.StartsWith("line 00000 ", written[0], StringComparison.Ordinal);
            Assert.Equal(Lines, written.Count(l => l.StartsWith("line ", StringComparison.Ordinal)));
            Assert.Contains(written, l => l.Contains("Ready to accept connections", StringComparison.Ordinal));

            // Started again with the same file (a restarted process): its log goes on after the first run's.
            await using (var again = await StartChattyServerAsync(FreePort.Next(), log, ct))
            {
                await PollAsync(() => CountLines(log) >= (2 * Lines) + 2, ct);
            }

            Assert.StartsWith("line 00000 ", (await File.ReadAllLinesAsync(log, ct))[0], StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Task<ExternalServer> StartChattyServerAsync(int port, string log, CancellationToken ct)
    {
        var redis = File.Exists(RedisServer.DefaultExecutable) ? RedisServer.DefaultExecutable : "redis-server";
        var script = $"pad=$(printf '%088d' 0); for i in $(seq -w 0 {Lines - 1}); do printf 'line %s %s\\n' \"$i\" \"$pad\"; done; "
            + $"exec {redis} --port {port} --bind 127.0.0.1 --save '' --appendonly no";
        return ExternalServer.StartAsync("bash", ["-c", script], port, TimeSpan.FromSeconds(60), cancellationToken: ct, logFile: log);
    }

    private static int CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var count = 0;
        while (reader.ReadLine() is not null)
        {
            count++;
        }

        return count;
    }

    private static async Task PollAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the log file did not get the process's output in 30 s");
            await Task.Delay(50, ct);
        }
    }
}
