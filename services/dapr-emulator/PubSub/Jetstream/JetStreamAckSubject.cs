using System.Globalization;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// What a JetStream message's reply (ack) subject says about it. The server encodes the delivery
/// count there: <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;</c>,
/// or, since server 2.9, with <c>&lt;domain&gt;.&lt;account hash&gt;</c> after <c>$JS.ACK</c> and a token more at the end.
/// </summary>
internal static class JetStreamAckSubject
{
    private const int V1Tokens = 9;
    private const int V2MinTokens = 12;

    /// <summary>How many times the server has delivered this message, this delivery included; null when the subject is not an ack subject.</summary>
    public static long? Deliveries(string? replyTo)
    {
        if (replyTo is null || !replyTo.StartsWith("$JS.ACK.", StringComparison.Ordinal))
        {
            return null;
        }

        var tokens = replyTo.Split('.');
        var at = tokens.Length switch
        {
            V1Tokens => 4,
            >= V2MinTokens => 6,
            _ => -1,
        };
        return at >= 0 && long.TryParse(tokens[at], NumberStyles.None, CultureInfo.InvariantCulture, out var delivered) ? delivered : null;
    }
}
