using System.Text.Json;
using Suite.Notification.Idempotency;
using Suite.ServiceDefaults.State;

namespace Suite.Notification.Tests.Idempotency;

/// <summary>Accepted ids already in stores were written by DaprClient (reflection, web defaults): the source-generated context must write and read the same bytes.</summary>
public sealed class NotificationStateJsonTests
{
    [Fact]
    public void An_accepted_record_is_written_byte_for_byte_as_before_and_reads_back()
    {
        var generated = StateStore.SerializerOptions(NotificationStateJson.Default);
        var asDaprClientWrote = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var record = new AcceptedRecord(EdgesTargeted: 3);

        var before = JsonSerializer.SerializeToUtf8Bytes(record, asDaprClientWrote);

        Assert.Equal(before, JsonSerializer.SerializeToUtf8Bytes(record, generated));
        Assert.Equal(record, JsonSerializer.Deserialize<AcceptedRecord>(before, generated));
    }
}
