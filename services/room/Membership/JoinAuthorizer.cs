using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Suite.Room.Membership;

/// <summary>The join hook: rooms matched by a configured rule need a claim in the connection's verified token.</summary>
internal sealed class JoinAuthorizer(IOptionsMonitor<RoomOptions> options, RoomMetrics metrics)
{
    /// <exception cref="RpcException">PERMISSION_DENIED naming the first rule that fails.</exception>
    public void Authorize(string roomId, Struct? claims)
    {
        foreach (var rule in options.CurrentValue.Rules)
        {
            if (!roomId.StartsWith(rule.Prefix, StringComparison.Ordinal) || Satisfies(claims, rule))
            {
                continue;
            }

            metrics.JoinsDenied.Add(1, new KeyValuePair<string, object?>("claim", rule.RequiredClaim));
            var wanted = string.IsNullOrEmpty(rule.RequiredValue) ? "" : $" with value '{rule.RequiredValue}'";
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"room '{roomId}' requires the token claim '{rule.RequiredClaim}'{wanted}"));
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
