import { decode as unpack, encode as pack } from '@msgpack/msgpack';
import type { ClientFrame, ServerFrame } from '../protocol.js';
import { Subprotocols } from '../protocol.js';
import { asFrame, type Codec, FrameDecodeError, toBytes, withoutUndefined, type WireData } from './codec.js';

function encode(frame: object): Uint8Array {
  return pack(withoutUndefined(frame));
}

function decode<T extends { type: string }>(data: WireData): T {
  let value: unknown;
  try {
    value = unpack(toBytes('msgpack', data));
  } catch (error) {
    if (error instanceof FrameDecodeError) {
      throw error;
    }

    throw new FrameDecodeError('msgpack', (error as Error).message, { cause: error });
  }

  return asFrame<T>('msgpack', value);
}

/** `gateway.v1.msgpack`: binary frames, MessagePack maps with exactly the JSON field names and values. */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  subprotocol: Subprotocols.msgpack,
  binary: true,
  encodeClient: (frame: ClientFrame) => encode(frame),
  decodeServer: (data) => decode<ServerFrame>(data),
  encodeServer: (frame: ServerFrame) => encode(frame),
  decodeClient: (data) => decode<ClientFrame>(data),
};
