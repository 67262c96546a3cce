using System.Globalization;

namespace Suite.DaprEmulator.Hosting;

/// <summary>
/// Parses daprd's flags (<c>--app-id</c>, <c>--app-port</c>, <c>--dapr-grpc-port</c>, …) so the
/// emulator starts with the same command line as daprd. Both <c>--flag value</c> and
/// <c>--flag=value</c> work; flags the emulator has no use for are accepted and ignored.
/// </summary>
public static class CommandLine
{
    private static readonly HashSet<string> IgnoredFlags = new(StringComparer.Ordinal)
    {
        "--log-level", "--config", "--placement-host-address", "--scheduler-host-address", "--metrics-port",
        "--enable-metrics", "--app-max-concurrency", "--dapr-internal-grpc-port", "--profile-port",
        "--enable-api-logging", "--log-as-json", "--max-body-size", "--read-buffer-size", "--dapr-http-max-request-size",
        "--app-health-check-path", "--enable-app-health-check", "--dapr-graceful-shutdown-seconds", "--mode",
    };

    public static SidecarOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        string? appId = null;
        int? appPort = null;
        var options = new SidecarOptions { AppId = "" };
        var resources = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (flag, inline) = Split(args[i]);
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value"));

            switch (flag)
            {
                case "--app-id": appId = Value(); break;
                case "--app-port": appPort = Port(flag, Value()); break;
                case "--app-channel-address": options = options with { AppChannelAddress = Value() }; break;
                case "--dapr-grpc-port": options = options with { GrpcPort = Port(flag, Value()) }; break;
                case "--dapr-http-port": options = options with { HttpPort = Port(flag, Value()) }; break;
                case "--dapr-listen-addresses": options = options with { ListenAddress = Value().Split(',')[0] }; break;
                case "--resources-path" or "--components-path": resources.Add(Value()); break;
                case "--pod-name": options = options with { PodName = Value() }; break;
                case "--app-protocol":
                    var protocol = Value();
                    if (protocol != "http")
                    {
                        throw new ArgumentException($"--app-protocol {protocol} is not supported by the emulator; the suite's apps use http");
                    }

                    break;
                default:
                    if (!IgnoredFlags.Contains(flag))
                    {
                        throw new ArgumentException($"unknown flag {flag}");
                    }

                    if (inline is null && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        i++;
                    }

                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(appId))
        {
            throw new ArgumentException("--app-id is required");
        }

        if (resources.Count == 0)
        {
            resources.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "components"));
        }

        return options with
        {
            AppId = appId,
            AppPort = appPort,
            ResourcesPaths = resources,
            ApiToken = NullIfEmpty(environment("DAPR_API_TOKEN")),
            AppApiToken = NullIfEmpty(environment("APP_API_TOKEN")),
            PodName = options.PodName ?? NullIfEmpty(environment("POD_NAME")),
            Namespace = NullIfEmpty(environment("NAMESPACE")),
        };
    }

    private static (string Flag, string? Inline) Split(string arg)
    {
        var normalized = arg.StartsWith("--", StringComparison.Ordinal) ? arg : arg.StartsWith('-') ? "-" + arg : arg;
        var equals = normalized.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (normalized, null) : (normalized[..equals], normalized[(equals + 1)..]);
    }

    private static int Port(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ArgumentException($"{flag} '{value}' is not a port number");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
