using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;

namespace Suite.Edge.Upstream;

/// <summary>
/// The token's claims (the payload's JSON object) as the <see cref="Struct"/> each join and subscribe
/// carries to the room service. Read with <see cref="Utf8JsonReader"/>, which costs a fraction of
/// protobuf's JSON parser (that parse was ~5 % of the edges' CPU per join, docs/benchmarks.md,
/// "Joins"); the result is the same Struct. Anything this reader does not take as-is (a repeated name,
/// a number out of double's range, nesting deeper than its limit, JSON it rejects) goes to protobuf's
/// parser instead, so odd input keeps protobuf's result or error. Not kept per connection: a parsed
/// Struct is ~1 KB; the connection holds the payload's UTF-8 bytes, which this reader takes as they are.
/// </summary>
internal static class ClaimsStruct
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64 };

    /// <param name="utf8">The token's payload as decoded from the token, UTF-8 JSON.</param>
    public static Struct Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, Options);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && TryReadObject(ref reader, out var claims) && !reader.Read())
            {
                return claims;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Not JSON this reader takes as-is: protobuf's parser decides, below.
        }

        // Decoded as the token handler decodes a payload: a byte that is not UTF-8 becomes U+FFFD.
        return Struct.Parser.ParseJson(Encoding.UTF8.GetString(utf8));
    }

    // The reader stands on the object's '{'; on success it stands on its '}'.
    private static bool TryReadObject(ref Utf8JsonReader reader, out Struct value)
    {
        value = new Struct();
        var fields = value.Fields;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!reader.Read() || fields.ContainsKey(name) || !TryReadValue(ref reader, out var field))
            {
                return false;
            }

            fields.Add(name, field);
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool TryReadValue(ref Utf8JsonReader reader, out Value value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = Value.ForString(reader.GetString()!);
                return true;
            case JsonTokenType.Number:
                var ok = reader.TryGetDouble(out var number) && double.IsFinite(number);
                value = Value.ForNumber(number);
                return ok;
            case JsonTokenType.True:
            case JsonTokenType.False:
                value = Value.ForBool(reader.TokenType == JsonTokenType.True);
                return true;
            case JsonTokenType.Null:
                value = Value.ForNull();
                return true;
            case JsonTokenType.StartObject:
                var objectOk = TryReadObject(ref reader, out var nested);
                value = Value.ForStruct(nested);
                return objectOk;
            case JsonTokenType.StartArray:
                var list = new ListValue();
                value = new Value { ListValue = list };
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!TryReadValue(ref reader, out var item))
                    {
                        return false;
                    }

                    list.Values.Add(item);
                }

                return reader.TokenType == JsonTokenType.EndArray;
            default:
                value = Value.ForNull();
                return false;
        }
    }
}
