namespace Suite.EndToEnd.Tests;

/// <summary>
/// What a chaos test reports: messages sent, deliveries expected (receiver and message), deliveries
/// received, how many of those were repeats (and which), and which expected ones never came.
/// </summary>
internal sealed record DeliveryTally(int Sent, int Expected, int Received, int Duplicates, IReadOnlyList<string> Missing, IReadOnlyList<string> Repeated)
{
    /// <param name="describe">What the copies of a repeated delivery were (e.g. their seqs and ids), when the caller knows.</param>
    public static DeliveryTally Of(
        int sent,
        IEnumerable<(string Receiver, string Message)> expected,
        IEnumerable<(string Receiver, string Message)> received,
        Func<(string Receiver, string Message), string>? describe = null)
    {
        var counts = received.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        var wanted = expected.ToHashSet();
        var missing = wanted.Where(w => !counts.ContainsKey(w)).Select(w => $"{w.Message} to {w.Receiver}").ToList();
        var repeated = counts.Where(c => c.Value > 1).Select(c => $"{c.Key.Message} to {c.Key.Receiver} x{c.Value}" + (describe is null ? "" : $" ({describe(c.Key)})")).ToList();
        return new(sent, wanted.Count, counts.Values.Sum(), counts.Values.Sum(c => c - 1), missing, repeated);
    }

    public override string ToString() =>
        $"sent {Sent}, deliveries expected {Expected}, received {Received}, duplicates {Duplicates}, missing {Missing.Count}"
        + (Missing.Count > 0 ? ": " + string.Join(", ", Missing.Take(20)) : "")
        + (Repeated.Count > 0 ? "; repeated: " + string.Join(", ", Repeated.Take(20)) : "");
}
