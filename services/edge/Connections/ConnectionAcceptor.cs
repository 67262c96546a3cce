using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;

namespace Suite.Edge.Connections;

/// <summary>
/// What an upgrade decides, the same for both ways in (the edge's own handshake on the listen port,
/// and the /ws endpoint for what Kestrel's HTTP pipeline serves): admission, drain, the token at the
/// upgrade, and the new connection with its auth failure already queued.
/// </summary>
public sealed class ConnectionAcceptor(
    AdmissionGate admission,
    EdgeDrain drain,
    TokenValidator tokens,
    ServerFrames frames,
    IOptions<ConnectionOptions> options,
    IOptions<SendQueueOptions> queueOptions,
    TimeProvider time,
    EdgeMetrics metrics)
{
    /// <summary>Takes one admission; false (counted) when over the rate: answer 429 with Retry-After.</summary>
    public bool TryAdmit()
    {
        if (admission.TryAdmit())
        {
            return true;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "rate"));
        return false;
    }

    /// <summary>True (counted) while the edge drains: answer 503 with Retry-After.</summary>
    public bool RefuseWhileDraining()
    {
        if (!drain.IsDraining)
        {
            return false;
        }

        metrics.AdmissionsRejected.Add(1, new KeyValuePair<string, object?>("reason", "draining"));
        return true;
    }

    public async ValueTask<TokenValidationOutcome?> ValidateAsync(string? token, CancellationToken cancellationToken) =>
        token is null ? null : await tokens.ValidateAsync(token, cancellationToken);

    public Accepted Create(WebSocket socket, TokenValidationOutcome? outcome, WebSocketTransport? transport = null)
    {
        var connection = new Connection(Guid.NewGuid().ToString("N"), socket, new SendQueue(queueOptions.Value, time), options.Value, time.GetUtcNow(), transport);
        if (outcome is { IsValid: false })
        {
            connection.Send(frames.AuthFail(outcome.FailureReason!));
            connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, outcome.FailureReason!, Flush: true));
        }

        return new Accepted(connection, outcome is { IsValid: true } ? ConnectionLifecycle.IdentityFrom(outcome) : null);
    }

    public readonly record struct Accepted(Connection Connection, ClientIdentity? Identity);
}
