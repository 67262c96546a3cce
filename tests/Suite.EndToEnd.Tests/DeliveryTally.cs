namespace Suite.EndToEnd.Tests;

/// <summary>
/// What a chaos test reports: messages sent, deliveries expected (receiver and message), deliveries
/// received, how many of those were repeats, and which expected ones never came.
/// </summary>
internal sealed record DeliveryTally(int Sent, int Expected, int Received, int Duplicates, IReadOnlyList<string> Missing)
{
    public static DeliveryTally Of(int sent, IEnumerable<(string Receiver, string Message)> expected, IEnumerable<(string Receiver, string Message)> received)
    {
        var counts = received.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        var wanted = expected.ToHashSet();
        var missing = wanted.Where(w => !counts.ContainsKey(w)).Select(w => $"{w.Message} to {w.Receiver}").ToList();
        return new(sent, wanted.Count, counts.Values.Sum(), counts.Values.Sum(c => c - 1), missing);
    }

    public override string ToString() =>
        $"sent {Sent}, deliveries expected {Expected}, received {Received}, duplicates {Duplicates}, missing {Missing.Count}"
        + (Missing.Count > 0 ? ": " + string.Join(", ", Missing.Take(20)) : "");
}
