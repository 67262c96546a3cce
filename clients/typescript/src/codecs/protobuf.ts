import protobuf from 'protobufjs';
import type { ClientFrame, Json, ServerFrame } from '../protocol.js';
import { Subprotocols } from '../protocol.js';
import { asFrame, type Codec, FrameDecodeError, toBytes, withoutUndefined, type WireData } from './codec.js';
import { clientProto } from './protobuf-schema.js';

// `gateway.v1.protobuf`. Kept apart from the map encodings: its schema (protobuf-schema.ts) is the
// one part of the client that must follow protos/client.proto rather than the JSON frames. Every
// field is proto3 `optional`, so a set field is present and an unset one absent, as in JSON.

const root = protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/struct.proto') as protobuf.INamespace);
protobuf.parse(clientProto, root, { keepCase: false });
root.resolveAll();
const clientType = root.lookupType('gateway.client.v1.ClientFrame');
const serverType = root.lookupType('gateway.client.v1.ServerFrame');

type ProtoValue =
  | { nullValue: 0 }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: { fields: Record<string, ProtoValue> } }
  | { listValue: { values: ProtoValue[] } };

/** A JSON value as google.protobuf.Value (the proto3 JSON mapping of Value, in reverse). */
export function toProtoValue(value: Json): ProtoValue {
  if (value === null) {
    return { nullValue: 0 };
  }

  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError('content holds a number JSON cannot carry (NaN or Infinity)');
      }

      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    default:
      if (Array.isArray(value)) {
        return { listValue: { values: value.map(toProtoValue) } };
      }

      return {
        structValue: {
          fields: Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toProtoValue(v)])),
        },
      };
  }
}

/** google.protobuf.Value (as protobufjs' toObject gives it) back to JSON; an unset kind is null. */
export function fromProtoValue(value: Record<string, unknown> | undefined): Json {
  if (value === undefined || value === null) {
    return null;
  }

  if ('numberValue' in value) {
    return value.numberValue as number;
  }

  if ('stringValue' in value) {
    return value.stringValue as string;
  }

  if ('boolValue' in value) {
    return value.boolValue as boolean;
  }

  if ('structValue' in value) {
    const fields = ((value.structValue as { fields?: Record<string, Record<string, unknown>> }).fields) ?? {};
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromProtoValue(v)]));
  }

  if ('listValue' in value) {
    const values = ((value.listValue as { values?: Record<string, unknown>[] }).values) ?? [];
    return values.map(fromProtoValue);
  }

  return null;
}

// int64s as numbers (ids and positions stay below 2^53), unset fields left out as JSON leaves them.
const readOptions: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, oneofs: false };

function toMessage(type: protobuf.Type, frame: object): Record<string, unknown> {
  const plain = withoutUndefined(frame) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const extra: Record<string, ProtoValue> = {};
  for (const [key, value] of Object.entries(plain)) {
    if (key === 'content') {
      out.content = toProtoValue(value as Json);
    } else if (key === 'messages' && Array.isArray(value)) {
      out.messages = (value as object[]).map((m) => toMessage(type, m));
    } else if (type.fields[key] !== undefined && key !== 'extra') {
      out[key] = value;
    } else if (type.fields.extra !== undefined) {
      // ServerFrame keeps a JSON field it does not name in `extra`, so nothing of a frame is lost.
      extra[key] = toProtoValue(value as Json);
    } else {
      // protobufjs would drop it without a word; a client frame must not lose a field silently.
      throw new TypeError(`${type.fullName.slice(1)} has no field '${key}'`);
    }
  }

  if (Object.keys(extra).length > 0) {
    out.extra = extra;
  }

  return out;
}

function fromMessage(message: Record<string, unknown>, server: boolean): Record<string, unknown> {
  const { extra, ...fields } = message;
  const out: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries((extra as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    out[key] = fromProtoValue(value);
  }

  if ('content' in message) {
    out.content = fromProtoValue(message.content as Record<string, unknown>);
  }

  if (Array.isArray(message.messages)) {
    out.messages = (message.messages as Record<string, unknown>[]).map((m) => fromMessage(m, server));
  }

  // proto3 cannot tell an empty repeated field from a missing one; a server's `history` always has `messages`.
  if (server && message.type === 'history' && out.messages === undefined) {
    out.messages = [];
  }

  return out;
}

function encode(type: protobuf.Type, frame: object): Uint8Array {
  const message = toMessage(type, frame);
  const problem = type.verify(message);
  if (problem) {
    throw new TypeError(`frame does not fit ${type.name}: ${problem}`);
  }

  return type.encode(type.fromObject(message)).finish();
}

function decode<T extends { type: string }>(type: protobuf.Type, data: WireData): T {
  let message: Record<string, unknown>;
  try {
    message = type.toObject(type.decode(toBytes('protobuf', data)), readOptions);
  } catch (error) {
    if (error instanceof FrameDecodeError) {
      throw error;
    }

    throw new FrameDecodeError('protobuf', (error as Error).message, { cause: error });
  }

  return asFrame<T>('protobuf', fromMessage(message, type === serverType));
}

/** `gateway.v1.protobuf`: binary frames, gateway.client.v1.ClientFrame / ServerFrame. */
export const protobufCodec: Codec = {
  name: 'protobuf',
  subprotocol: Subprotocols.protobuf,
  binary: true,
  encodeClient: (frame: ClientFrame) => encode(clientType, frame),
  decodeServer: (data) => decode<ServerFrame>(serverType, data),
  encodeServer: (frame: ServerFrame) => encode(serverType, frame),
  decodeClient: (data) => decode<ClientFrame>(clientType, data),
};
