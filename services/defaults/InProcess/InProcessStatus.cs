using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// The outcomes of a call made in this process, worded as gRPC's client and grpc-dotnet's server
/// word them on the network, so a caller cannot tell the two paths apart by their statuses.
/// </summary>
public static class InProcessStatus
{
    /// <summary>The caller cancelled (or disposed) the call.</summary>
    public static Status CancelledByCaller(Exception? debug = null) => new(StatusCode.Cancelled, "Call canceled by the client.", debug);

    /// <summary>The call's deadline passed.</summary>
    public static Status DeadlineExceeded(Exception? debug = null) => new(StatusCode.DeadlineExceeded, "", debug);

    /// <summary>The method threw something other than an <see cref="RpcException"/> (grpc-dotnet's answer with detailed errors on, the sidecar's setting).</summary>
    public static Status Unknown(Exception thrown) => new(StatusCode.Unknown, $"Exception was thrown by handler. {thrown.GetType().Name}: {thrown.Message}", thrown);

    /// <summary>RESOURCE_EXHAUSTED when <paramref name="message"/> is over the receiving side's <paramref name="limit"/>; null within it.</summary>
    public static Status? OverLimit(InProcessMessage message, int? limit) =>
        limit is { } most && message.Size > most ? new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.") : null;

    /// <summary>What a call to a reserved address says while no server there attached (a refused connection's part).</summary>
    public static string NotServed(Uri address) => $"Nothing in this process serves {address} now.";
}
