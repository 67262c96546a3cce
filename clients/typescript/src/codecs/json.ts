import type { ClientFrame, ServerFrame } from '../protocol.js';
import { Subprotocols } from '../protocol.js';
import { asFrame, type Codec, FrameDecodeError, type WireData } from './codec.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode<T extends { type: string }>(data: WireData): T {
  let text: string;
  try {
    text = typeof data === 'string' ? data : utf8.decode(data);
  } catch (error) {
    throw new FrameDecodeError('json', 'not UTF-8', { cause: error });
  }

  try {
    return asFrame<T>('json', JSON.parse(text));
  } catch (error) {
    if (error instanceof FrameDecodeError) {
      throw error;
    }

    throw new FrameDecodeError('json', (error as Error).message, { cause: error });
  }
}

/** `gateway.v1.json`: text frames, one JSON object each (the default). */
export const jsonCodec: Codec = {
  name: 'json',
  subprotocol: Subprotocols.json,
  binary: false,
  encodeClient: (frame: ClientFrame) => JSON.stringify(frame),
  decodeServer: (data) => decode<ServerFrame>(data),
  encodeServer: (frame: ServerFrame) => JSON.stringify(frame),
  decodeClient: (data) => decode<ClientFrame>(data),
};
