using System.Text.Json;

namespace Suite.Testing;

/// <summary>
/// Records already in state stores were written by DaprClient (reflection over the web defaults);
/// a service's source-generated serialiser must write the same bytes and read them back.
/// </summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions AsDaprClientWrote = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The record as DaprClient wrote it, as <paramref name="generated"/> writes it, and what
    /// <paramref name="generated"/> read from the first, written again as DaprClient would.
    /// </summary>
    public static (byte[] Before, byte[] Now, byte[] ReadBack) Write(object record, JsonSerializerOptions generated)
    {
        var type = record.GetType();
        var before = JsonSerializer.SerializeToUtf8Bytes(record, type, AsDaprClientWrote);
        var readBack = JsonSerializer.Deserialize(before, type, generated);
        return (before, JsonSerializer.SerializeToUtf8Bytes(record, type, generated), JsonSerializer.SerializeToUtf8Bytes(readBack, type, AsDaprClientWrote));
    }
}
