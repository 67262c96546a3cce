import type { EncodingName } from '../protocol.js';
import { cborCodec } from './cbor.js';
import type { Codec } from './codec.js';
import { jsonCodec } from './json.js';
import { msgpackCodec } from './msgpack.js';
import { protobufCodec } from './protobuf.js';

export { type Codec, FrameDecodeError, type WireData } from './codec.js';
export { cborCodec, jsonCodec, msgpackCodec, protobufCodec };

export const codecs: Readonly<Record<EncodingName, Codec>> = {
  json: jsonCodec,
  msgpack: msgpackCodec,
  cbor: cborCodec,
  protobuf: protobufCodec,
};

export function codecFor(encoding: EncodingName): Codec {
  const codec = codecs[encoding];
  if (codec === undefined) {
    throw new RangeError(`unknown encoding '${String(encoding)}'; use one of ${Object.keys(codecs).join(', ')}`);
  }

  return codec;
}
