using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>A chaos test's figures (sent / received / duplicates, recovery times): in its output and in the report ./test.sh prints.</summary>
internal static class ChaosReport
{
    public static void Line(string scenario, string figures)
    {
        var line = $"chaos {scenario}: {figures}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        TestReport.Append(line);
    }
}
