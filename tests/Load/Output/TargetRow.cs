namespace Suite.Load.Output;

/// <summary>One line of a targets table: what is held to a goal, its measured value, the goal, and <see cref="Met"/>, <see cref="Missed"/> or why it is not judged.</summary>
internal sealed record TargetRow(string Target, string Measured, string Goal, string Status)
{
    public const string Met = "met";
    public const string Missed = "**missed**";

    public static TargetRow Judged(string target, string measured, string goal, bool met) => new(target, measured, goal, met ? Met : Missed);

    public override string ToString() => $"| {Target} | {Measured} | {Goal} | {Status} |";
}
