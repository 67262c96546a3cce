using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Suite.Testing.Fuzzing;

/// <summary>
/// Inputs for parsers of JSON documents, most of them close enough to the real thing to get past the
/// first checks: objects with the format's own fields, each holding mostly plausible values (the
/// caller's) and sometimes any JSON value, nested a few levels; the same documents with a few
/// characters changed, cut or repeated; and plain noise (random text, random bytes).
/// </summary>
public static class JsonInputs
{
    // JSON numbers no parser reads as a plain integer.
    private static readonly string[] OddNumbers = ["-0", "1e999", "-1e-999", "1E+2", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "0.1"];

    // Numbers as other languages write them, which JSON does not allow.
    private static readonly string[] NotJsonNumbers = ["01", "1.", ".5", "NaN", "Infinity", "0x10", "+1"];

    private static readonly string[] OddStrings = ["", " ", "||", "a||b", "\u0000", "\ud800", "\uffff", "../..", "*", "%00", new string('x', 300), "é", "\u202e", "{}", "null"];

    // Characters that matter to JSON (and a lone surrogate), put in by a mutation.
    private const string Specials = "{}[]\",:\\0e-\u0000\ud800";

    /// <summary>Random text: printable ASCII mostly, any UTF-16 (lone surrogates included) sometimes.</summary>
    public static Gen<string> AnyText { get; } = Gen.Frequency(
        Weight(4, Gen.Char[' ', '~'].Array[0, 40].Select(chars => new string(chars))),
        Weight(1, Gen.String[0, 40]));

    /// <summary>A JSON string holding one of <paramref name="likely"/> mostly, else an odd or random string.</summary>
    public static Gen<string> Text(params string[] likely) =>
        Gen.Frequency(
            Weight(6, Gen.OneOf(likely)),
            Weight(1, Gen.OneOf(OddStrings)),
            Weight(2, AnyText)).Select(Quote);

    /// <summary>A JSON number: mostly small integers, sometimes large or fractional, rarely not JSON at all.</summary>
    public static Gen<string> Number { get; } = Gen.Frequency(
        Weight(24, Gen.Int[-2, 1000].Select(n => Invariant(n))),
        Weight(8, Gen.Long.Select(Invariant)),
        Weight(4, Gen.OneOf(OddNumbers)),
        Weight(1, Gen.OneOf(NotJsonNumbers)));

    /// <summary>Any JSON value (or nearly), nested up to three levels.</summary>
    public static Gen<string> AnyValue { get; } = Value(3);

    /// <summary>One member <c>"name":value</c> of the JSON object, the value from <paramref name="value"/>.</summary>
    public static Gen<string> Member(string name, Gen<string> value) => value.Select(v => Quote(name) + ":" + v);

    /// <summary>A JSON array of 0 to 5 items from <paramref name="item"/>.</summary>
    public static Gen<string> ArrayOf(Gen<string> item) => item.Array[0, 5].Select(items => "[" + string.Join(",", items) + "]");

    /// <summary>
    /// Documents as text: objects of <paramref name="fields"/> (see <see cref="Object"/>), those
    /// mutated, and noise.
    /// </summary>
    public static Gen<string> Documents(IReadOnlyList<(string Name, Gen<string> Value)> fields)
    {
        var structured = Object(fields);
        return Gen.Frequency(
            Weight(6, structured),
            Weight(3, Gen.Select(structured, Gen.Int.Array[1, 4], Mutate)),
            Weight(1, Gen.String[0, 200]),
            Weight(1, Gen.Byte.Array[0, 200].Select(bytes => Encoding.UTF8.GetString(bytes))));
    }

    /// <summary>The same as UTF-8 bytes, plus byte strings that are not valid UTF-8.</summary>
    public static Gen<byte[]> Utf8Documents(IReadOnlyList<(string Name, Gen<string> Value)> fields) =>
        Gen.Frequency(
            Weight(12, Documents(fields).Select(Encoding.UTF8.GetBytes)),
            Weight(1, Gen.Byte.Array[0, 300]));

    /// <summary>
    /// An object of <paramref name="fields"/> (each present about half of the time, with a value of the
    /// wrong kind one time in twenty) and sometimes one or two other
    /// members. A field without a name is a whole member its generator writes (nearly always
    /// present): a choice between fields, such as a protobuf oneof.
    /// </summary>
    public static Gen<string> Object(IReadOnlyList<(string Name, Gen<string> Value)> fields)
    {
        var members = fields.Select(field =>
            field.Name.Length == 0
                ? Gen.Frequency(Weight(1, Gen.Const("")), Weight(9, field.Value))
                : Gen.Frequency(
                    Weight(8, Gen.Const("")),
                    Weight(10, Member(field.Name, field.Value)),
                    Weight(1, Member(field.Name, AnyValue))))
            .ToArray();
        var other = Gen.Select(Gen.Frequency(Weight(1, Gen.OneOf(OddStrings)), Weight(2, AnyText)), AnyValue, (n, v) => Quote(n) + ":" + v);
        var others = Gen.Frequency(Weight(4, Gen.Const(Array.Empty<string>())), Weight(1, other.Array[1, 2]));
        return Gen.Select(Sequence(members), others,
            (known, other) => "{" + string.Join(",", known.Concat(other).Where(m => m.Length > 0)) + "}");
    }

    // One value from each generator, in order.
    private static Gen<string[]> Sequence(Gen<string>[] gens) =>
        gens.Length == 0 ? Gen.Const(Array.Empty<string>()) : Gen.Select(gens[0], Sequence(gens[1..]), (first, rest) => (string[])[first, .. rest]);

    private static Gen<string> Value(int depth)
    {
        var scalar = Gen.Frequency(
            Weight(4, Text("a", "lobby", "alice")),
            Weight(3, Number),
            Weight(1, Gen.OneOf("true", "false", "null")));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(depth - 1);
        var member = Gen.Select(AnyText, inner, (n, v) => Quote(n) + ":" + v);
        return Gen.Frequency(
            Weight(6, scalar),
            Weight(2, ArrayOf(inner)),
            Weight(2, member.Array[0, 4].Select(items => "{" + string.Join(",", items) + "}")));
    }

    private static (int, IGen<T>) Weight<T>(int weight, Gen<T> gen) => (weight, gen);

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);

    // Each number picks an edit and where: cut the rest, drop a character, put in a character that
    // matters to JSON, or repeat a piece.
    private static string Mutate(string document, int[] edits)
    {
        var text = new StringBuilder(document);
        foreach (var edit in edits)
        {
            if (text.Length == 0)
            {
                break;
            }

            var at = (int)((uint)edit % (uint)text.Length);
            switch ((uint)edit >> 28 & 3)
            {
                case 0:
                    text.Length = at;
                    break;
                case 1:
                    text.Remove(at, 1);
                    break;
                case 2:
                    text.Insert(at, Specials[(int)((uint)edit >> 20 & 0xF) % Specials.Length]);
                    break;
                default:
                    var length = Math.Min(text.Length - at, (int)((uint)edit >> 16 & 0x3F));
                    text.Insert(at, text.ToString(at, length));
                    break;
            }
        }

        return text.ToString();
    }
}
