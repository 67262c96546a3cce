import type { ClientFrame, EncodingName, ServerFrame } from '../protocol.js';

/** What goes over the socket: text for JSON, bytes for the binary encodings. */
export type WireData = string | Uint8Array;

/**
 * One encoding of protocol v1. The client uses encodeClient/decodeServer; the other two are the
 * edge's side, for tests and for a peer written in TypeScript.
 */
export interface Codec {
  readonly name: EncodingName;
  /** The `Sec-WebSocket-Protocol` value that selects this encoding. */
  readonly subprotocol: string;
  /** Binary frames (true) or text frames (JSON). */
  readonly binary: boolean;
  encodeClient(frame: ClientFrame): WireData;
  decodeServer(data: WireData): ServerFrame;
  encodeServer(frame: ServerFrame): WireData;
  decodeClient(data: WireData): ClientFrame;
}

/** Raised for bytes that are not a frame of the encoding; the client reports it and goes on. */
export class FrameDecodeError extends Error {
  constructor(encoding: EncodingName, reason: string, options?: { cause?: unknown }) {
    super(`unreadable ${encoding} frame: ${reason}`, options);
    this.name = 'FrameDecodeError';
  }
}

// JSON drops undefined members; the binary encodings would write them as nil/undefined, which the
// edge would read as a field that is present. Dropping them keeps "exactly the JSON field names".
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(withoutUndefined) as T;
  }

  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) {
        copy[key] = withoutUndefined(member);
      }
    }

    return copy as T;
  }

  return value;
}

/** A decoded frame must be a map with a string `type`; anything else is refused here, once. */
export function asFrame<T extends { type: string }>(encoding: EncodingName, value: unknown): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FrameDecodeError(encoding, 'not a map');
  }

  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new FrameDecodeError(encoding, "no field 'type' holding a non-empty string");
  }

  return value as T;
}

export function toBytes(encoding: EncodingName, data: WireData): Uint8Array {
  if (typeof data === 'string') {
    throw new FrameDecodeError(encoding, 'a text frame where binary frames were negotiated');
  }

  return data;
}
