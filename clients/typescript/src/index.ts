export { Backoff, type BackoffOptions, defaultBackoff } from './backoff.js';
export {
  type CloseInfo,
  type ConnectionState,
  GatewayClient,
  type GatewayClientOptions,
  GatewayError,
  type GatewayEvents,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
export { cborCodec, type Codec, codecFor, codecs, FrameDecodeError, jsonCodec, msgpackCodec, protobufCodec, type WireData } from './codecs/index.js';
export * from './protocol.js';
export { RecentIds } from './recent-ids.js';
export { RoomSequencer, type Timers } from './room-sequencer.js';
export { jwtExpiresAt, refreshDelay, type TokenProvider, type TokenRequest, type TokenRequestReason } from './token.js';
