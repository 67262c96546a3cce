using Suite.Testing;

namespace Suite.EndToEnd.Tests;

public abstract partial class CrossEdgeTests
{
    /// <summary>
    /// A user's devices come and go on both edges while another user keeps writing to it from edge 0,
    /// whose answers come from its cache of presence's (presence.proto, "Watches"): every device
    /// gets every message sent after its auth:ok, in order, once, until it closes; a device on the
    /// sender's edge gets them without the broker.
    /// </summary>
    [Fact]
    public async Task Direct_messages_follow_a_user_moving_between_edges_nothing_lost_or_duplicated()
    {
        var ct = TestContext.Current.CancellationToken;
        var dana = U("dana");
        await using var eve = await suite.ConnectAsync(0, U("eve"), ct);
        var sent = 0;
        async Task<string[]> SendAsync(int count)
        {
            var contents = Enumerable.Range(sent, count).Select(i => $"m{i}").ToArray();
            sent += count;
            foreach (var content in contents)
            {
                await eve.SendAsync(new { type = "direct", to = dana, content }, ct);
            }

            return contents;
        }

        // Reads exactly the messages expected, then (with the next phase's marker) nothing twice.
        static async Task ExpectAsync(TestClient device, string name, IReadOnlyList<string> expected, CancellationToken ct)
        {
            var got = new List<string>();
            while (got.Count < expected.Count)
            {
                var frame = await device.ReceiveAsync("direct", ct);
                got.Add(frame.GetProperty("content").GetString()!);
            }

            Assert.True(expected.SequenceEqual(got), $"{name} got [{string.Join(", ", got)}], expected [{string.Join(", ", expected)}]");
        }

        var phone = await suite.ConnectAsync(1, dana, ct);
        var first = await SendAsync(5);
        await ExpectAsync(phone, "phone (edge 1)", first, ct);

        // A second device on the sender's own edge: confirmed by presence after edge 0 dropped its answer.
        var laptop = await suite.ConnectAsync(0, dana, ct);
        var second = await SendAsync(5);
        await ExpectAsync(phone, "phone (edge 1)", second, ct);
        await ExpectAsync(laptop, "laptop (edge 0)", second, ct);

        // The phone leaves edge 1, a tablet comes to it.
        await phone.DisposeAsync();
        var tablet = await suite.ConnectAsync(1, dana, ct);
        var third = await SendAsync(5);
        await ExpectAsync(laptop, "laptop (edge 0)", third, ct);
        await ExpectAsync(tablet, "tablet (edge 1)", third, ct);

        // The laptop leaves edge 0: the tablet alone, through the broker.
        await laptop.DisposeAsync();
        var fourth = await SendAsync(5);
        await ExpectAsync(tablet, "tablet (edge 1)", fourth, ct);

        // Nothing twice: a last marker is the next direct frame the tablet sees.
        var marker = await SendAsync(1);
        await ExpectAsync(tablet, "tablet (edge 1)", marker, ct);
        await tablet.DisposeAsync();
    }
}
