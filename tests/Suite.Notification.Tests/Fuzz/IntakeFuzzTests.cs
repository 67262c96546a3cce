using CsCheck;
using Microsoft.Extensions.Options;
using Suite.Notification.Intake;
using Suite.Testing.Fuzzing;

namespace Suite.Notification.Tests.Fuzz;

/// <summary>
/// The business-event intake (the strict proto3 JSON read, then the validator both entry points
/// share) against generated events: each is usable or refused with a reason naming the problem,
/// never an exception, a hang or an allocation out of proportion to the document.
/// </summary>
public sealed class IntakeFuzzTests
{
    private static readonly Gen<string> Ids = JsonInputs.ArrayOf(JsonInputs.Text("alice", "bob", "u-1"));

    // NotificationEvent's fields (protos/notification.proto) with plausible values.
    private static readonly (string, Gen<string>)[] Fields =
    [
        ("id", JsonInputs.Text("order-1", "evt-42")),
        // The target oneof: one of them, as publishers send it (two of them are covered by the other members sometimes).
        ("", Gen.OneOf(
            JsonInputs.Member("users", Gen.Select(Ids, ids => $$"""{"ids":{{ids}}}""")),
            JsonInputs.Member("room", JsonInputs.Text("lobby")),
            JsonInputs.Member("channel", JsonInputs.Text("news")),
            JsonInputs.Member("everyone", Gen.OneOf("true", "false")))),
        ("filter", Gen.Select(Ids, Ids, (tags, regions) => $$"""{"tags":{{tags}},"regions":{{regions}}}""")),
        ("priority", JsonInputs.Text("NORMAL", "HIGH", "URGENT")),
        ("droppable", JsonInputs.Text("price:eur")),
        ("ttl", JsonInputs.Text("30s", "1.5s", "-1s", "0s", "99999999999s")),
        ("payload", Gen.Select(JsonInputs.Text("order:shipped", "user:joined"), JsonInputs.AnyValue, (type, content) => $$"""{"type":{{type}},"content":{{content}}}""")),
        ("ack", Gen.OneOf("true", "false")),
    ];

    [Fact]
    public async Task Every_generated_event_is_usable_or_refused_with_a_reason()
    {
        var validator = new NotificationValidator(Options.Create(new NotificationOptions()));
        var checkedInputs = await FuzzRun.CheckAsync(
            "notification intake",
            JsonInputs.Documents(Fields),
            // The parsed event, its JSON document and the compact content: a few times the text.
            json => 16L * json.Length,
            json =>
            {
                var (evt, content, error) = NotificationIntake.Parse(json);
                error ??= validator.Validate(evt!);
                if (error is null)
                {
                    Assert.NotNull(evt);
                    Assert.NotNull(evt.Payload);
                    return "accepted";
                }

                Assert.False(string.IsNullOrWhiteSpace(error.Code), "a refusal without a code");
                Assert.False(string.IsNullOrWhiteSpace(error.Message), $"refusal {error.Code} without a reason");
                return error.Code;
            },
            TestContext.Current.SendDiagnosticMessage,
            TestContext.Current.CancellationToken);

        Assert.True(checkedInputs >= FuzzRun.Iterations);
    }
}
