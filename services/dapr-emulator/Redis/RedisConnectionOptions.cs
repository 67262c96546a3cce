using System.Globalization;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Redis;

// Reads the connection fields pubsub.redis and state.redis share (contrib
// common/component/redis/settings.go) into StackExchange.Redis options. Fields that tune
// go-redis's pool or retries have no counterpart here and are ignored.
internal static class RedisConnectionOptions
{
    private const int DefaultPort = 6379;

    public static ConfigurationOptions Read(ComponentMetadata metadata)
    {
        var hosts = metadata.GetRequiredString("redisHost");
        var port = metadata.GetInt("redisPort", DefaultPort);

        // Sentinel needs a master lookup this emulator does not do; connecting to the sentinel as if
        // it were the data node would fail later and more confusingly.
        if (metadata.GetBool("failover", false))
        {
            throw new ComponentConfigurationException(metadata.FilePath, "failover", "sentinel failover is not supported by the emulator");
        }

        var options = new ConfigurationOptions
        {
            User = metadata.GetString("redisUsername"),
            Password = metadata.GetString("redisPassword"),
            DefaultDatabase = metadata.GetInt("redisDB", 0),
            Ssl = metadata.GetBool("enableTLS", false),
            ConnectTimeout = (int)metadata.GetDuration("dialTimeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(1)).TotalMilliseconds,

            // contrib pings at Init and fails the component when Redis is unreachable; later outages
            // are retried by the multiplexer's own reconnect.
            AbortOnConnectFail = true,
        };

        foreach (var host in hosts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            options.EndPoints.Add(HasPort(host) ? host : host + ":" + port.ToString(CultureInfo.InvariantCulture));
        }

        if (options.EndPoints.Count == 0)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "redisHost", "lists no host");
        }

        if (options.Ssl && metadata.GetBool("insecureSkipTLSVerify", false))
        {
            options.CertificateValidation += (_, _, _, _) => true;
        }

        return options;
    }

    private static bool HasPort(string host)
    {
        // "[::1]:6379" and "redis:6379" carry a port; "[::1]" and "redis" do not.
        var colon = host.LastIndexOf(':');
        return colon > host.LastIndexOf(']') && colon < host.Length - 1;
    }
}
