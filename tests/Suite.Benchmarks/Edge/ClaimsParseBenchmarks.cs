using BenchmarkDotNet.Attributes;
using Google.Protobuf.WellKnownTypes;
using Suite.Edge.Upstream;

namespace Suite.Benchmarks.Edge;

// The token claims every join carries to the room (JoinRequest.token_claims): the payload's JSON read
// into a Struct by protobuf's JSON parser (before) and by the edge's Utf8JsonReader from the bytes the
// connection holds (after), for the load generator's claims and for a token with a few more.
[MemoryDiagnoser]
public class ClaimsParseBenchmarks
{
    private static readonly string[] Payloads =
    [
        """{"sub":"user-00042","nbf":1796555594,"exp":1796559194,"iat":1796555594}""",
        """{"sub":"user-00042","tags":["beta","staff"],"region":"eu-west","platform":"ios","tier":"silver","nbf":1796555594,"exp":1796559194,"iat":1796555594,"iss":"https://auth.example.com","aud":"gateway"}""",
    ];

    private static readonly byte[][] Utf8Payloads = [.. Payloads.Select(System.Text.Encoding.UTF8.GetBytes)];

    [Params(0, 1)]
    public int Payload { get; set; }

    [Benchmark(Baseline = true)]
    public Struct Protobuf_json_parser() => Struct.Parser.ParseJson(Payloads[Payload]);

    [Benchmark]
    public Struct Utf8JsonReader_claims() => ClaimsStruct.Parse(Utf8Payloads[Payload]);
}
