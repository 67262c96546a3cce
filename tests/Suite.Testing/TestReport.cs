namespace Suite.Testing;

/// <summary>
/// Figures a test reports besides passing (the fuzz targets' input counts, the chaos tests' sent /
/// received / duplicates): appended to the file <c>SUITE_TEST_REPORT</c> names, which <c>./test.sh</c>
/// prints at the end of its log, so a CI log shows them without the runner's detailed output.
/// </summary>
public static class TestReport
{
    public const string FileVariable = "SUITE_TEST_REPORT";

    private static readonly Lock Gate = new();

    /// <summary>One line, starting with what it is about (e.g. "fuzz client frames: ...", "chaos edge kill: ...").</summary>
    public static void Append(string line)
    {
        if (Environment.GetEnvironmentVariable(FileVariable) is not { Length: > 0 } file)
        {
            return;
        }

        // Test classes run in parallel; a line must not interleave with another.
        lock (Gate)
        {
            File.AppendAllText(file, line + Environment.NewLine);
        }
    }
}
