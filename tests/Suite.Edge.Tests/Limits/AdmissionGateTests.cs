using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Connections;
using Suite.Edge.Limits;

namespace Suite.Edge.Tests.Limits;

/// <summary>The admission bucket refills from the clock when asked, with no timer of its own.</summary>
public sealed class AdmissionGateTests
{
    [Fact]
    public void A_used_up_second_refuses_until_a_second_has_passed_then_admits_a_whole_second_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new AdmissionGate(Options.Create(new ConnectionOptions { AdmissionsPerSecond = 3 }), time);

        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.False(gate.TryAdmit());

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(gate.TryAdmit());

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.False(gate.TryAdmit());
    }

    [Fact]
    public void Unused_admissions_do_not_add_up_beyond_one_second()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new AdmissionGate(Options.Create(new ConnectionOptions { AdmissionsPerSecond = 2 }), time);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.False(gate.TryAdmit());
    }
}
