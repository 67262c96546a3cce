import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { ClientFrame, ServerFrame } from '../protocol.js';
import { Subprotocols } from '../protocol.js';
import { asFrame, type Codec, FrameDecodeError, toBytes, withoutUndefined, type WireData } from './codec.js';

function encode(frame: object): Uint8Array {
  return cborEncode(withoutUndefined(frame));
}

function decode<T extends { type: string }>(data: WireData): T {
  let value: unknown;
  try {
    // Maps with text keys become plain objects, as JSON's would (cborg refuses other keys there).
    value = cborDecode(toBytes('cbor', data));
  } catch (error) {
    if (error instanceof FrameDecodeError) {
      throw error;
    }

    throw new FrameDecodeError('cbor', (error as Error).message, { cause: error });
  }

  return asFrame<T>('cbor', value);
}

/** `gateway.v1.cbor`: binary frames, CBOR (RFC 8949) maps with exactly the JSON field names and values. */
export const cborCodec: Codec = {
  name: 'cbor',
  subprotocol: Subprotocols.cbor,
  binary: true,
  encodeClient: (frame: ClientFrame) => encode(frame),
  decodeServer: (data) => decode<ServerFrame>(data),
  encodeServer: (frame: ServerFrame) => encode(frame),
  decodeClient: (data) => decode<ClientFrame>(data),
};
