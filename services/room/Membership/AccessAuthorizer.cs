using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Suite.Room.Membership;

/// <summary>
/// The join and subscribe hook: rooms (<see cref="RoomOptions.Rules"/>) and channels
/// (<see cref="RoomOptions.ChannelRules"/>) matched by a configured prefix rule need a claim in the
/// connection's verified token; one matched by no rule is open, or refused when the service is set to
/// deny what no rule names (<see cref="RoomOptions.DenyUnmatchedRooms"/>, <see cref="RoomOptions.DenyUnmatchedChannels"/>).
/// </summary>
internal sealed class AccessAuthorizer(IOptionsMonitor<RoomOptions> options, RoomMetrics metrics)
{
    /// <exception cref="RpcException">PERMISSION_DENIED naming the first rule that fails, or the missing rule.</exception>
    public void AuthorizeJoin(string roomId, Struct? claims)
    {
        var settings = options.CurrentValue;
        Authorize("room", roomId, settings.Rules, settings.DenyUnmatchedRooms, claims, metrics.JoinsDenied);
    }

    /// <exception cref="RpcException">PERMISSION_DENIED naming the first rule that fails, or the missing rule.</exception>
    public void AuthorizeSubscribe(string channel, Struct? claims)
    {
        var settings = options.CurrentValue;
        Authorize("channel", channel, settings.ChannelRules, settings.DenyUnmatchedChannels, claims, metrics.SubscribesDenied);
    }

    private static void Authorize(string kind, string id, List<RoomRule> rules, bool denyUnmatched, Struct? claims, Counter<long> denied)
    {
        var matched = false;
        foreach (var rule in rules)
        {
            if (!id.StartsWith(rule.Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            matched = true;
            if (Satisfies(claims, rule))
            {
                continue;
            }

            denied.Add(1, new KeyValuePair<string, object?>("claim", rule.RequiredClaim));
            var wanted = string.IsNullOrEmpty(rule.RequiredValue) ? "" : $" with value '{rule.RequiredValue}'";
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{kind} '{id}' requires the token claim '{rule.RequiredClaim}'{wanted}"));
        }

        if (!matched && denyUnmatched)
        {
            denied.Add(1, new KeyValuePair<string, object?>("claim", ""));
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{kind} '{id}' is matched by no rule, and {kind}s no rule names are closed"));
        }
    }

    private static bool Satisfies(Struct? claims, RoomRule rule)
    {
        if (claims is null || !claims.Fields.TryGetValue(rule.RequiredClaim, out var value))
        {
            return false;
        }

        return string.IsNullOrEmpty(rule.RequiredValue) ? IsPresent(value) : Matches(value, rule.RequiredValue);
    }

    private static bool IsPresent(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.NullValue or Value.KindOneofCase.None => false,
        Value.KindOneofCase.BoolValue => value.BoolValue,
        Value.KindOneofCase.StringValue => value.StringValue.Length > 0,
        Value.KindOneofCase.ListValue => value.ListValue.Values.Count > 0,
        _ => true,
    };

    // An array claim (roles, groups) matches when it contains the value.
    private static bool Matches(Value value, string required) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue == required,
        Value.KindOneofCase.BoolValue => string.Equals(value.BoolValue ? "true" : "false", required, StringComparison.OrdinalIgnoreCase),
        Value.KindOneofCase.NumberValue => value.NumberValue.ToString(CultureInfo.InvariantCulture) == required,
        Value.KindOneofCase.ListValue => value.ListValue.Values.Any(v => Matches(v, required)),
        _ => false,
    };
}
