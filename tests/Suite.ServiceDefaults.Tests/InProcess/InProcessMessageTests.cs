using System.Text;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>
/// A message crossing between two sides of an in-process call: each side keeps its own objects, as over
/// the network; a protobuf message read as its own type is copied, never written and parsed.
/// </summary>
public sealed class InProcessMessageTests
{
    [Fact]
    public void The_reader_gets_its_own_copy_of_the_message_as_it_was_when_it_was_written()
    {
        var sent = new GetStateRequest { StoreName = "s", Key = "k", Metadata = { ["m"] = "1" } };

        var message = TestMessages.Of(sent);
        sent.Key = "changed after";
        sent.Metadata["m"] = "2";
        var read = TestMessages.Read<GetStateRequest>(message);

        Assert.NotSame(sent, read);
        Assert.Equal(new GetStateRequest { StoreName = "s", Key = "k", Metadata = { ["m"] = "1" } }, read);
    }

    [Fact]
    public void A_protobuf_message_read_as_its_own_type_is_not_written_or_parsed()
    {
        var (writes, parses) = (0, 0);
        var marshaller = Marshallers.Create<GetStateRequest>(
            m => { writes++; return m.ToByteArray(); },
            b => { parses++; return GetStateRequest.Parser.ParseFrom(b); });

        var read = InProcessMessage.Of(marshaller, new GetStateRequest { Key = "k" }).Read(marshaller);

        Assert.Equal("k", read.Key);
        Assert.Equal((0, 0), (writes, parses));
    }

    [Fact]
    public void A_reader_of_another_type_gets_the_senders_bytes_parsed_as_its_own()
    {
        var message = TestMessages.Of(new GetStateRequest { StoreName = "s", Key = "k" });

        var read = TestMessages.Read<DeleteStateRequest>(message);

        Assert.Equal(("s", "k"), (read.StoreName, read.Key));
    }

    [Fact]
    public void Any_other_message_crosses_as_its_bytes_through_both_marshallers()
    {
        var marshaller = Marshallers.Create<string>(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

        var message = InProcessMessage.Of(marshaller, "héllo");

        Assert.Equal("héllo", message.Read(marshaller));
        Assert.Equal(Encoding.UTF8.GetByteCount("héllo"), message.Size);
    }

    [Fact]
    public void The_size_is_the_messages_size_on_the_wire()
    {
        var sent = new GetStateResponse { Data = ByteString.CopyFrom(new byte[2048]), Etag = "e" };

        Assert.Equal(sent.ToByteArray().Length, TestMessages.Of(sent).Size);
    }
}
