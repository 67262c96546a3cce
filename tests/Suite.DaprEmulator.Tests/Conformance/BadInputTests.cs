using System.Diagnostics;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Hosting;

using Suite.Testing;

namespace Suite.DaprEmulator.Tests.Conformance;

public sealed class BadInputTests
{
    private const string InMemoryPubSub = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
          metadata: []
        """;

    [Fact]
    public void Component_of_an_unknown_type_stops_the_sidecar_naming_file_and_field()
    {
        using var resources = new ResourcesFolder(("queue.yaml", InMemoryPubSub.Replace("pubsub.in-memory", "pubsub.kafkaa", StringComparison.Ordinal)));

        var error = Assert.Throws<ComponentConfigurationException>(() => EmulatorHost.Build(Sidecar.OptionsFor("app", null, resources.Path)));

        Assert.EndsWith("queue.yaml", error.FilePath, StringComparison.Ordinal);
        Assert.Equal("spec.type", error.Field);
        Assert.Contains("pubsub.kafkaa", error.Message, StringComparison.Ordinal);
    }

    // YamlDotNet reports these with an InvalidOperationException and an ArgumentException, not a
    // YamlException (found by ComponentYamlFuzzTests).
    [Theory]
    [InlineData("apiVersion: dapr.io/v1alpha1", "apiVersion: {")]
    [InlineData("  name: pubsub", " :  name: pubsub")]
    public void Malformed_yaml_the_parser_throws_odd_exceptions_for_is_refused_as_invalid_yaml_naming_the_file(string line, string broken)
    {
        using var resources = new ResourcesFolder(("broken.yaml", InMemoryPubSub.Replace(line, broken, StringComparison.Ordinal)));

        var error = Assert.Throws<ComponentConfigurationException>(() => EmulatorHost.Build(Sidecar.OptionsFor("app", null, resources.Path)));

        Assert.EndsWith("broken.yaml", error.FilePath, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_is_not_a_plain_name_is_refused_naming_the_field()
    {
        const string Resiliency = """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: suite
            spec:
              targets:
                components:
                  pubsub:
                  ? [outbound]
                  : retry: broker
            """;
        using var resources = new ResourcesFolder(("resiliency.yaml", Resiliency));

        var error = Assert.Throws<ComponentConfigurationException>(() => EmulatorHost.Build(Sidecar.OptionsFor("app", null, resources.Path)));

        Assert.EndsWith("resiliency.yaml", error.FilePath, StringComparison.Ordinal);
        Assert.Contains("not a plain name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_given_twice_is_refused_naming_the_field()
    {
        using var resources = new ResourcesFolder(("twice.yaml", InMemoryPubSub.Replace(
            "metadata: []", "metadata:\n  - name: maxLen\n    value: \"1\"\n  - name: MAXLEN\n    value: \"2\"", StringComparison.Ordinal)));

        var error = Assert.Throws<ComponentConfigurationException>(() => EmulatorHost.Build(Sidecar.OptionsFor("app", null, resources.Path)));

        Assert.EndsWith("twice.yaml", error.FilePath, StringComparison.Ordinal);
        Assert.Equal("spec.metadata.MAXLEN", error.Field);
        Assert.Contains("more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Component_missing_required_metadata_stops_the_sidecar_naming_file_and_field()
    {
        using var resources = new ResourcesFolder(("redis.yaml", InMemoryPubSub.Replace("pubsub.in-memory", "pubsub.redis", StringComparison.Ordinal)));

        var error = Assert.Throws<ComponentConfigurationException>(() => EmulatorHost.Build(Sidecar.OptionsFor("app", null, resources.Path)));

        Assert.EndsWith("redis.yaml", error.FilePath, StringComparison.Ordinal);
        Assert.Equal("redisHost", error.Field);
    }

    [Fact]
    public async Task Emulator_process_exits_at_start_with_the_file_and_field_on_stderr()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = new ResourcesFolder(("redis.yaml", InMemoryPubSub.Replace("pubsub.in-memory", "pubsub.redis", StringComparison.Ordinal)));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Suite.DaprEmulator.dll"), "--app-id", "app", "--resources-path", resources.Path })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("redis.yaml", stderr, StringComparison.Ordinal);
        Assert.Contains("redisHost", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_pubsub_name_is_an_invalid_argument()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = new ResourcesFolder(("pubsub.yaml", InMemoryPubSub));
        await using var app = await SubscriberApp.StartAsync("app", resources.Path, ct, subscribe: false);

        var error = await Assert.ThrowsAsync<DaprException>(() => app.Dapr.PublishEventAsync("no-such-pubsub", "orders", new { n = 1 }, ct));

        var status = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("no-such-pubsub", status.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_without_the_api_token_are_unauthenticated_when_one_is_set()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = new ResourcesFolder(("pubsub.yaml", InMemoryPubSub));
        var options = Sidecar.OptionsFor("app", null, resources.Path) with { ApiToken = "s3cret" };
        await using var sidecar = await Sidecar.StartAsync(options, ct);
        using var anonymous = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).Build();
        using var trusted = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).UseDaprApiToken("s3cret").Build();

        var error = await Assert.ThrowsAsync<DaprException>(() => anonymous.PublishEventAsync("pubsub", "orders", new { n = 1 }, ct));

        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(error.InnerException).StatusCode);
        await trusted.PublishEventAsync("pubsub", "orders", new { n = 1 }, ct);
        Assert.True(await anonymous.CheckHealthAsync(ct), "health stays open without a token, as in daprd");
        var streamError = await Assert.ThrowsAsync<RpcException>(() => EventStream.OpenAsync(sidecar.GrpcEndpoint, "pubsub", "orders", ct));
        Assert.Equal(StatusCode.Unauthenticated, streamError.StatusCode);
    }

    [Fact]
    public async Task App_api_token_is_sent_to_the_app()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = new ResourcesFolder(("pubsub.yaml", InMemoryPubSub));
        var appPort = Suite.LocalServers.FreePort.Next();
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{appPort}");
        await using var app = builder.Build();
        app.MapGet("/dapr/subscribe", (HttpRequest request) =>
        {
            seen.TrySetResult(request.Headers["dapr-api-token"].ToString());
            return Results.Json(Array.Empty<object>());
        });
        await app.StartAsync(ct);

        await using var sidecar = await Sidecar.StartAsync(Sidecar.OptionsFor("app", appPort, resources.Path) with { AppApiToken = "to-the-app" }, ct);

        Assert.Equal("to-the-app", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }
}
