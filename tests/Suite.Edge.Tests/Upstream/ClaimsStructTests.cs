using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Edge.Upstream;

namespace Suite.Edge.Tests.Upstream;

/// <summary>
/// The claims a join carries to the room's rules are exactly what protobuf's JSON parser makes of the
/// token's payload: the same Struct, or for input it refuses the same error.
/// </summary>
public sealed class ClaimsStructTests
{
    public static TheoryData<string> Payloads => new()
    {
        """{"sub":"ivan","exp":1765000000,"iat":1764990000,"tier":"silver"}""",
        """{}""",
        """ { "sub" : "a" , "n" : -0 , "f" : 1.5e-7 , "big" : 12345678901234567890 , "tiny" : 5e-324 } """,
        """{"tags":["a","b",""],"empty":[],"nested":[[1,[2]],{"k":null}],"org":{"id":"x","deep":{"on":true,"off":false}}}""",
        """{"esc":"quote \" slash \\ \/ tab \t nl \n uni \u00e9 \ud83d\ude00","\u0073ub":"escaped name"}""",
        """{"utf8":"żółć 日本 🙂","nul":null,"zero":0,"exp":1E+2,"neg":-12.75}""",
        // Handed to protobuf's parser: a repeated name, a number beyond double, a lone surrogate, deep nesting.
        """{"dup":"first","dup":"second"}""",
        """{"huge":1e400}""",
        """{"lone":"\ud800"}""",
        """{"deep":""" + new string('[', 80) + new string(']', 80) + "}",
        // Refused.
        """{"a":1""",
        """{"a":1} trailing""",
        """["not an object"]""",
        """{"a":nul}""",
        """{"a":1,}""",
        """{"a":01}""",
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void The_claims_are_what_protobufs_json_parser_makes_of_the_payload(string payload) =>
        AssertSameAsProtobuf(Encoding.UTF8.GetBytes(payload));

    // The edge holds the payload's bytes as the token carried them; bytes that are not UTF-8 are read
    // as the token handler reads them (U+FFFD), and protobuf's parser decides.
    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'s', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}' })]
    public void A_payload_that_is_not_clean_UTF8_is_read_as_the_decoded_text(byte[] payload) =>
        AssertSameAsProtobuf(payload);

    private static void AssertSameAsProtobuf(byte[] payload)
    {
        Struct? expected = null;
        var refused = Record.Exception(() => expected = Struct.Parser.ParseJson(Encoding.UTF8.GetString(payload)));

        Struct? claims = null;
        var failed = Record.Exception(() => claims = ClaimsStruct.Parse(payload));

        if (refused is not null)
        {
            Assert.NotNull(failed);
            Assert.IsType(refused.GetType(), failed);
            Assert.Equal(refused.Message, failed.Message);
            return;
        }

        Assert.Null(failed);
        Assert.Equal(expected, claims);
        Assert.Equal(expected!.ToByteArray(), claims!.ToByteArray());
    }
}
