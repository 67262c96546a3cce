// Protocol v1 of the gateway (shared/docs/architecture.md, README "The edge"): the frames, their
// field names and the close codes. Field names are a contract with the edge and are never renamed.

/** Content of a message: any JSON value, carried through unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A room position as `joined` and `history` carry it; `since` of a resuming `join`. */
export interface RoomPosition {
  seq: number;
  epoch: string;
}

// ---- client frames ----

export type ClientFrame =
  | { type: 'auth'; token: string; id?: string }
  | { type: 'join'; roomId: string; since?: RoomPosition; id?: string }
  | { type: 'leave'; roomId: string; id?: string }
  | { type: 'message'; roomId: string; content: Json; id?: string }
  | { type: 'direct'; to: string; content: Json; id?: string }
  | { type: 'subscribe'; channel: string; id?: string }
  | { type: 'unsubscribe'; channel: string; id?: string }
  | { type: 'ping'; id?: string }
  | { type: 'history'; roomId: string; limit?: number; before?: number; id?: string }
  | { type: 'ack'; ids: string[]; id?: string };

// ---- server frames ----

/** Every server frame has `type` first and carries a unique `id` and a `timestamp` (unix ms). */
export interface Stamped {
  id: string;
  timestamp: number;
}

export interface AuthOkFrame extends Stamped {
  type: 'auth:ok';
  userId: string;
  connectionId: string;
  heartbeatIntervalMs?: number;
  /** When the token runs out (unix ms); a fresh `auth` must come before it. */
  tokenExpiresAt?: number;
}

export interface AuthFailFrame extends Stamped {
  type: 'auth:fail';
  reason?: string;
}

export interface PongFrame extends Stamped {
  type: 'pong';
  ts: number;
  ref?: string;
}

export interface ErrorFrame extends Stamped {
  type: 'error';
  code: string;
  message: string;
  ref?: string;
  retryAfterMs?: number;
}

export interface ReconnectFrame extends Stamped {
  type: 'reconnect';
  reason: string;
  retryAfterMs: number;
}

export interface JoinedFrame extends Stamped {
  type: 'joined';
  roomId: string;
  seq?: number;
  epoch?: string;
  /** Answers a join with `since`: true = the missed messages follow, false = reload from your backend. */
  recovered?: boolean;
  missed?: number;
  ref?: string;
}

export interface LeftFrame extends Stamped {
  type: 'left';
  roomId: string;
  ref?: string;
}

export interface SubscribedFrame extends Stamped {
  type: 'subscribed' | 'unsubscribed';
  channel: string;
  ref?: string;
}

export interface RoomMessageFrame extends Stamped {
  type: 'message';
  roomId: string;
  from: string;
  content: Json;
  seq: number;
  ack?: boolean;
}

export interface HistoryFrame extends Stamped {
  type: 'history';
  roomId: string;
  messages: RoomMessageFrame[];
  seq: number;
  epoch: string;
  ref?: string;
}

export interface MembershipFrame extends Stamped {
  type: 'user:joined' | 'user:left';
  userId: string;
  roomId: string;
}

export interface DirectFrame extends Stamped {
  type: 'direct';
  from: string;
  content: Json;
  ack?: boolean;
}

export interface DismissedFrame extends Stamped {
  type: 'dismissed';
  ids: string[];
}

/**
 * A frame of any other type: channel publications and business notifications carry the type their
 * publisher chose (e.g. `order.shipped`), with `content`, `channel` or `roomId`, and `ack` when the
 * notification waits in the user's inbox until a device acknowledges it.
 */
export interface EventFrame extends Stamped {
  type: string;
  content?: Json;
  channel?: string;
  roomId?: string;
  userId?: string;
  from?: string;
  seq?: number;
  ack?: boolean;
}

export type KnownServerFrame =
  | AuthOkFrame
  | AuthFailFrame
  | PongFrame
  | ErrorFrame
  | ReconnectFrame
  | JoinedFrame
  | LeftFrame
  | SubscribedFrame
  | RoomMessageFrame
  | HistoryFrame
  | MembershipFrame
  | DirectFrame
  | DismissedFrame;

export type ServerFrame = KnownServerFrame | EventFrame;

/** The server frame types this client handles itself; any other type is an application event. */
export const KnownServerTypes: ReadonlySet<string> = new Set([
  'auth:ok', 'auth:fail', 'pong', 'error', 'reconnect', 'joined', 'left', 'subscribed', 'unsubscribed',
  'message', 'history', 'user:joined', 'user:left', 'direct', 'dismissed',
]);

// 4000–4999 are the edge's own close codes (services/edge/Connections/CloseCodes.cs); each says
// whether a client should reconnect, which GatewayClient follows.
export const CloseCodes = {
  Normal: 1000,
  /** Sustained rate-limit abuse: reconnect after a back-off. */
  PolicyViolation: 1008,
  /** A frame over the size limit: reconnect, do not resend that frame. */
  MessageTooBig: 1009,
  /** The edge is shutting down; a `reconnect` frame said when to come back. */
  ServiceRestart: 1012,
  /** Too slow a reader, or no admissions now: reconnect after a back-off. */
  TryAgainLater: 1013,
  /** Bad, expired or missing token: reconnect only with a fresh token. */
  AuthFailed: 4001,
  /** No client frame for the idle timeout. */
  IdleTimeout: 4002,
  /** The token expired without a fresh `auth`: reconnect only with a fresh token. */
  TokenExpired: 4003,
  /** The user holds the most connections this edge allows: close one before reconnecting. */
  TooManyConnections: 4004,
} as const;

/** The subprotocols of the four encodings (architecture.md, "Binary encodings by subprotocol"). */
export const Subprotocols = {
  json: 'gateway.v1.json',
  msgpack: 'gateway.v1.msgpack',
  cbor: 'gateway.v1.cbor',
  protobuf: 'gateway.v1.protobuf',
} as const;

export type EncodingName = keyof typeof Subprotocols;
