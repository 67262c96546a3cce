using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>Deliveries over the default streaming subscriptions, published as room and notification publish them.</summary>
public sealed class DeliveryStreamTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Deliveries_arrive_in_publish_order_on_each_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);

        for (var n = 0; n < 40; n++)
        {
            await _edge.PublishRawAsync(urgent: n % 3 == 0, _edge.Payload("alice", n % 3 == 0 ? "alert" : "tick", n), ct);
        }

        var received = new List<(string Type, int N)>();
        while (received.Count < 40)
        {
            var frame = await alice.ReceiveAsync(f => f.GetProperty("type").GetString() is "tick" or "alert", ct);
            received.Add((frame.GetProperty("type").GetString()!, frame.GetProperty("n").GetInt32()));
        }

        foreach (var type in new[] { "tick", "alert" })
        {
            var sequence = received.Where(r => r.Type == type).Select(r => r.N).ToList();
            Assert.Equal(sequence.Order(), sequence);
        }
    }

    [Fact]
    public async Task A_batch_event_delivers_each_of_its_deliveries_in_order_and_skips_a_nested_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var batch = new EdgeDelivery { EdgeId = _edge.EdgeId };
        foreach (var n in new[] { 1, 2, 3 })
        {
            batch.Batch.Add(EdgeDelivery.Parser.ParseFrom(_edge.Payload("alice", "tick", n)));
        }

        // A batch inside a batch is not a delivery: dropped, while the others still arrive.
        batch.Batch.Insert(1, new EdgeDelivery { EdgeId = _edge.EdgeId, Batch = { EdgeDelivery.Parser.ParseFrom(_edge.Payload("alice", "tick", 99)) } });
        await _edge.PublishRawAsync(urgent: false, EdgeDeliveryCodec.ToPayload(batch), ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", 4), ct);

        for (var n = 1; n <= 4; n++)
        {
            Assert.Equal(n, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task Urgent_delivery_overtakes_a_backlog_of_normal_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        const int backlog = 400;

        // In-memory pub/sub holds a publisher while its subscriber is busy, so these stay queued
        // behind the normal stream while the urgent one is published.
        var normal = Enumerable.Range(0, backlog).Select(n => _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", n), ct)).ToList();
        await _edge.PublishRawAsync(urgent: true, _edge.Payload("alice", "alert", 0), ct);
        await Task.WhenAll(normal).WaitAsync(TimeSpan.FromSeconds(30), ct);

        var ticksBefore = 0;
        while ((await alice.ReceiveAsync(f => f.GetProperty("type").GetString() is "tick" or "alert", ct)).GetProperty("type").GetString() == "tick")
        {
            ticksBefore++;
        }

        Assert.True(ticksBefore < backlog, $"the urgent delivery came after all {backlog} normal ones");
    }

    [Fact]
    public async Task Redelivered_message_reaches_a_connection_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var payload = _edge.Payload("alice", "tick", 1);

        await _edge.PublishRawAsync(urgent: false, payload, ct);
        await _edge.PublishRawAsync(urgent: false, payload, ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", 2), ct);

        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        Assert.Equal(2, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Unreadable_payload_is_dropped_and_the_stream_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);

        await _edge.PublishRawAsync(urgent: false, "{not a delivery"u8.ToArray(), ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", 7), ct);

        Assert.Equal(7, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        await ScrapeUntilAsync(@"^suite_edge_delivery_stream_events(_total)?\{[^}]*ack=""drop""[^}]*topic=""normal""[^}]*\} 1\b", "one event acked DROP", ct);
    }

    [Fact]
    public async Task Structured_message_reaches_every_device_as_the_frame_the_producers_wrote()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var phone = await _edge.ConnectAsAsync("alice", ct);
        await using var laptop = await _edge.ConnectAsAsync("alice", ct);
        var message = new ServerMessage
        {
            Id = "m-1",
            Type = "message",
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)),
            Seq = 42,
            RoomId = "r1",
            From = "bob",
            ContentJson = ByteString.CopyFromUtf8("""{"text":"héllo <b>","n":[1, 2]}"""),
        };

        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", message), ct);

        const string expected = """{"type":"message","roomId":"r1","from":"bob","content":{"text":"héllo <b>","n":[1, 2]},"seq":42,"timestamp":1700000000000,"id":"m-1"}""";
        Assert.Equal(expected, (await phone.ReceiveAsync("message", ct)).GetRawText());
        Assert.Equal(expected, (await laptop.ReceiveAsync("message", ct)).GetRawText());
    }

    [Fact]
    public async Task Legacy_delivery_with_only_a_json_frame_is_sent_verbatim()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        const string frame = """{"type":"message","roomId":"r1","from":"bob","content": "spaced" ,"timestamp":1,"id":"old-1","seq":3}""";

        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", new ServerMessage { Id = "old-1", Type = "message", Seq = 3, Json = frame }), ct);

        Assert.Equal(frame, (await alice.ReceiveAsync("message", ct)).GetRawText());
    }

    [Fact]
    public async Task Delivery_whose_content_is_not_json_is_dropped_and_counted_as_invalid()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);

        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", new ServerMessage { Id = "bad-1", Type = "note", Timestamp = now, ContentJson = ByteString.CopyFromUtf8("""{"a":""") }), ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", new ServerMessage { Id = "good-1", Type = "note", Timestamp = now, ContentJson = ByteString.CopyFromUtf8("1") }), ct);

        // Same topic, so in publish order: the first note to arrive is the good one.
        Assert.Equal("good-1", (await alice.ReceiveAsync("note", ct)).GetProperty("id").GetString());
        await ScrapeUntilAsync(@"^suite_edge_deliveries(_total)?\{[^}]*outcome=""invalid""[^}]*\} 1\b", "one delivery counted invalid", ct);
    }

    [Fact]
    public async Task Edge_reconnects_when_the_sidecar_restarts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);

        await _edge.RestartSidecarAsync(ct);
        await _edge.PublishRawAsync(urgent: false, _edge.Payload("alice", "tick", 1), ct);
        await _edge.PublishRawAsync(urgent: true, _edge.Payload("alice", "alert", 2), ct);

        // The two streams reconnect independently: whichever is back first delivers first.
        var received = await alice.ReceiveEachAsync(["tick", "alert"], ct);
        Assert.Equal(1, received["tick"].GetProperty("n").GetInt32());
        Assert.Equal(2, received["alert"].GetProperty("n").GetInt32());
        await ScrapeUntilAsync(@"^suite_edge_delivery_stream_connects(_total)?\{[^}]*topic=""normal""[^}]*\} ([2-9]|\d{2,})\b", "a second connect of the normal stream", ct);
    }

    private async Task ScrapeUntilAsync(string pattern, string because, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_edge.Port}") };
        var line = new Regex(pattern, RegexOptions.Multiline);
        await Eventually.UntilAsync(() => http.GetStringAsync("/metrics", ct), line.IsMatch, TimeSpan.FromSeconds(10), ct, because);
    }
}
