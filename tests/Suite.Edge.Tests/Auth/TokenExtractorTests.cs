using Microsoft.AspNetCore.Http;
using Suite.Edge.Auth;

namespace Suite.Edge.Tests.Auth;

public sealed class TokenExtractorTests
{
    [Theory]
    [InlineData("Bearer abc.def.ghi", "abc.def.ghi")]
    [InlineData("bearer abc.def.ghi", "abc.def.ghi")]
    [InlineData("Bearer   abc.def.ghi  ", "abc.def.ghi")]
    public void Bearer_header_carries_the_token(string header, string expected)
    {
        var request = Request(authorization: header);

        Assert.Equal(expected, TokenExtractor.FromRequest(request));
    }

    [Fact]
    public void Access_token_query_carries_the_token()
    {
        Assert.Equal("abc.def.ghi", TokenExtractor.FromRequest(Request(query: "?access_token=abc.def.ghi")));
    }

    [Fact]
    public void Header_wins_over_query()
    {
        var request = Request(authorization: "Bearer from-header", query: "?access_token=from-query");

        Assert.Equal("from-header", TokenExtractor.FromRequest(request));
    }

    [Fact]
    public void Other_schemes_fall_back_to_the_query()
    {
        Assert.Null(TokenExtractor.FromRequest(Request(authorization: "Basic dXNlcjpwYXNz")));
        Assert.Equal("q", TokenExtractor.FromRequest(Request(authorization: "Basic dXNlcjpwYXNz", query: "?access_token=q")));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Bearer ", null)]
    [InlineData("Bearer    ", "?access_token=")]
    [InlineData("Bearer", "?other=1")]
    public void No_token_gives_null(string? authorization, string? query)
    {
        Assert.Null(TokenExtractor.FromRequest(Request(authorization, query)));
    }

    private static HttpRequest Request(string? authorization = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        return context.Request;
    }
}
