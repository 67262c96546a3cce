using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// The server side of <c>dapr.proto.runtime.v1.Dapr</c>, shaped like Grpc.Tools output: Grpc.AspNetCore
/// binds each RPC to the virtual method of the same name declared here, which is why the names
/// are the proto's rather than .NET-style *Async names.
/// </summary>
[BindServiceMethod(typeof(DaprServiceBase), nameof(BindService))]
public abstract class DaprServiceBase
{
    public static void BindService(ServiceBinderBase binder, DaprServiceBase? service)
    {
        binder.AddMethod(DaprMethods.Unary<PublishEventRequest, Empty>("PublishEvent"), service is null ? null : service.PublishEvent);
        binder.AddMethod(DaprMethods.Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEvent"), service is null ? null : service.BulkPublishEvent);
        binder.AddMethod(DaprMethods.Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEventAlpha1"), service is null ? null : service.BulkPublishEventAlpha1);
        binder.AddMethod(DaprMethods.Unary<GetStateRequest, GetStateResponse>("GetState"), service is null ? null : service.GetState);
        binder.AddMethod(DaprMethods.Unary<GetBulkStateRequest, GetBulkStateResponse>("GetBulkState"), service is null ? null : service.GetBulkState);
        binder.AddMethod(DaprMethods.Unary<SaveStateRequest, Empty>("SaveState"), service is null ? null : service.SaveState);
        binder.AddMethod(DaprMethods.Unary<DeleteStateRequest, Empty>("DeleteState"), service is null ? null : service.DeleteState);
        binder.AddMethod(DaprMethods.Unary<DeleteBulkStateRequest, Empty>("DeleteBulkState"), service is null ? null : service.DeleteBulkState);
        binder.AddMethod(DaprMethods.Unary<ExecuteStateTransactionRequest, Empty>("ExecuteStateTransaction"), service is null ? null : service.ExecuteStateTransaction);
        binder.AddMethod(DaprMethods.Unary<GetMetadataRequest, GetMetadataResponse>("GetMetadata"), service is null ? null : service.GetMetadata);
        binder.AddMethod(
            DaprMethods.DuplexStreaming<SubscribeTopicEventsRequestAlpha1, SubscribeTopicEventsResponseAlpha1>("SubscribeTopicEventsAlpha1"),
            service is null ? null : service.SubscribeTopicEventsAlpha1);
    }

    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "PublishEvent is not implemented by the emulator"));

    public virtual Task<BulkPublishResponse> BulkPublishEventAlpha1(BulkPublishRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "BulkPublishEventAlpha1 is not implemented by the emulator"));

    public virtual Task<BulkPublishResponse> BulkPublishEvent(BulkPublishRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "BulkPublishEvent is not implemented by the emulator"));

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "GetState is not implemented by the emulator"));

    public virtual Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "GetBulkState is not implemented by the emulator"));

    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "SaveState is not implemented by the emulator"));

    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "DeleteState is not implemented by the emulator"));

    public virtual Task<Empty> DeleteBulkState(DeleteBulkStateRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "DeleteBulkState is not implemented by the emulator"));

    public virtual Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "ExecuteStateTransaction is not implemented by the emulator"));

    public virtual Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "GetMetadata is not implemented by the emulator"));

    public virtual Task SubscribeTopicEventsAlpha1(IAsyncStreamReader<SubscribeTopicEventsRequestAlpha1> requestStream, IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "SubscribeTopicEventsAlpha1 is not implemented by the emulator"));
}
