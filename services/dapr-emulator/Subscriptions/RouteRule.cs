namespace Suite.DaprEmulator.Subscriptions;

/// <param name="Match">A CEL expression over the CloudEvent (<c>event.type == "x"</c>).</param>
/// <param name="Path">The app route, without a leading slash as the SDK writes it.</param>
public sealed record RouteRule(string Match, string Path);
