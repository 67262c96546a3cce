using Grpc.Core;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>A message to its bytes and back through a marshaller, whichever way the marshaller writes.</summary>
public sealed class InProcessMarshallingTests
{
    private static readonly byte[] Bytes = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];

    [Fact]
    public void A_generated_marshaller_writes_the_announced_size_into_the_payload_itself()
    {
        var message = new PublishToRoomRequest { RoomId = "lobby", UserId = "alice", ContentJson = $"\"{new string('x', 1000)}\"" };
        var generated = GeneratedMarshaller();

        var payload = InProcessMarshalling.Serialize(generated, message);

        Assert.Equal(message.CalculateSize(), payload.Length);
        Assert.Equal(message, InProcessMarshalling.Deserialize(generated, payload));
    }

    [Fact]
    public void Serializing_allocates_the_payload_and_little_else()
    {
        var message = new PublishToRoomRequest { RoomId = "lobby", UserId = "alice", ContentJson = $"\"{new string('x', 4000)}\"" };
        var generated = GeneratedMarshaller();
        InProcessMarshalling.Serialize(generated, message);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var payload = InProcessMarshalling.Serialize(generated, message);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The array (its header included) and the small context object; a growing buffer would add ~2x the payload.
        Assert.InRange(allocated, payload.Length, payload.Length + 128);
    }

    [Theory]
    [InlineData(-1)] // no size announced: a growing buffer
    [InlineData(10)] // less than it writes: what was written moves to a growing buffer
    [InlineData(1000)] // exactly what it writes
    [InlineData(1500)] // more than it writes: cut to what was written
    public void Bytes_written_through_the_buffer_writer_are_the_payload(int announced)
    {
        var payload = InProcessMarshalling.Serialize(WritingMarshaller(announced), Bytes);

        Assert.Equal(Bytes, payload);
    }

    [Fact]
    public void A_payload_completed_as_an_array_is_that_array()
    {
        var marshaller = Marshallers.Create<byte[]>(b => b, b => b);

        Assert.Same(Bytes, InProcessMarshalling.Serialize(marshaller, Bytes));
    }

    private static Marshaller<PublishToRoomRequest> GeneratedMarshaller() =>
        (Marshaller<PublishToRoomRequest>)typeof(RoomService).GetField("__Marshaller_suite_room_v1_PublishToRoomRequest", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

    // Writes its bytes in 64-byte steps through GetSpan, as protobuf's writer does.
    private static Marshaller<byte[]> WritingMarshaller(int announced) => new(
        (bytes, context) =>
        {
            if (announced >= 0)
            {
                context.SetPayloadLength(announced);
            }

            var writer = context.GetBufferWriter();
            for (var offset = 0; offset < bytes.Length; offset += 64)
            {
                var chunk = bytes.AsSpan(offset, Math.Min(64, bytes.Length - offset));
                chunk.CopyTo(writer.GetSpan(chunk.Length));
                writer.Advance(chunk.Length);
            }

            context.Complete();
        },
        context => context.PayloadAsNewBuffer());
}
