using Suite.LocalServers;

namespace Suite.EndToEnd.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void A_chosen_port_stays_locked_against_any_other_chooser()
    {
        var port = FreePort.Next();

        // What another test process's FreePort meets when it draws the same port: the lock is taken.
        Assert.Throws<IOException>(() => new FileStream(FreePort.ReservationFile(port), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
    }
}
