using System.Text.Json;

namespace Suite.DaprEmulator.Subscriptions;

/// <summary>
/// Reads the app's <c>GET /dapr/subscribe</c> answer. Field names match case-insensitively because
/// daprd decodes with Go's case-insensitive JSON (the SDK writes <c>pubsubName</c>, daprd's tag is
/// <c>pubsubname</c>).
/// </summary>
public static class SubscriptionReader
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static IReadOnlyList<AppSubscription> Read(ReadOnlySpan<byte> json)
    {
        var items = JsonSerializer.Deserialize<List<Item>>(json, Options) ?? [];
        return items
            .Where(i => !string.IsNullOrEmpty(i.PubsubName) && !string.IsNullOrEmpty(i.Topic))
            .Select(i => new AppSubscription(
                i.PubsubName!,
                i.Topic!,
                i.Metadata ?? new Dictionary<string, string>(),
                (i.Routes?.Rules ?? []).Where(r => r.Path is not null).Select(r => new RouteRule(r.Match ?? "", r.Path!.TrimStart('/'))).ToList(),
                (i.Routes?.Default ?? i.Route)?.TrimStart('/'),
                string.IsNullOrEmpty(i.DeadLetterTopic) ? null : i.DeadLetterTopic,
                i.BulkSubscribe?.Enabled ?? false))
            .Where(s => s.DefaultPath is not null || s.Rules.Count > 0)
            .ToList();
    }

    private sealed record Item(
        string? PubsubName,
        string? Topic,
        string? Route,
        Routes? Routes,
        Dictionary<string, string>? Metadata,
        string? DeadLetterTopic,
        Bulk? BulkSubscribe);

    private sealed record Routes(List<Rule>? Rules, string? Default);

    private sealed record Rule(string? Match, string? Path);

    private sealed record Bulk(bool Enabled);
}
