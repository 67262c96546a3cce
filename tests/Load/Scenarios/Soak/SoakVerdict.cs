using System.Globalization;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// The soak's pass rule (issue 11): something was delivered, nothing accepted was lost, nothing was
/// shown twice, and every judged process's RSS grew by less than the limit after the warm-up.
/// </summary>
internal static class SoakVerdict
{
    public const double DefaultRssGrowthLimitPercent = 5;

    public static (bool Pass, IReadOnlyList<string> Reasons) Judge(IReadOnlyList<MemoryGrowth> processes, long delivered, long lost, long duplicates, double limitPercent)
    {
        var reasons = new List<string>();
        if (delivered == 0)
        {
            reasons.Add("nothing was delivered");
        }

        if (lost > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{lost} accepted message(s) lost"));
        }

        if (duplicates > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{duplicates} duplicate(s) shown"));
        }

        if (processes.Count(p => p.Judged) == 0)
        {
            reasons.Add("no server process was measured");
        }

        foreach (var process in processes.Where(p => p.Judged))
        {
            if (process.Problem is { } problem)
            {
                reasons.Add($"{process.Role}: {problem}");
            }
            else if (process.GrowthPercent >= limitPercent)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{process.Role}: RSS grew {process.GrowthPercent:0.##} % after the warm-up (limit {limitPercent:0.##} %)"));
            }
        }

        return (reasons.Count == 0, reasons);
    }
}
