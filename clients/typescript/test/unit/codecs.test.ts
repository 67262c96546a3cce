import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode as msgpackDecode } from '@msgpack/msgpack';
import { decode as cborDecode } from 'cborg';
import { cborCodec, type ClientFrame, codecFor, codecs, FrameDecodeError, jsonCodec, msgpackCodec, protobufCodec, type ServerFrame } from '../../src/index.js';

const t = 1_764_979_200_123;
const content = { text: 'héllo ✓', n: 42, f: 1.5, neg: -7, ok: true, none: null, list: [1, 'two', [3], { four: 4 }], empty: {}, nothing: [] };

// One of every frame the protocol defines, with every optional field set somewhere.
const clientFrames: ClientFrame[] = [
  { type: 'auth', token: 'eyJ.a.b' },
  { type: 'join', roomId: 'r1', id: 'j1' },
  { type: 'join', roomId: 'r1', since: { seq: 0, epoch: 'e-0' }, id: 'j2' },
  { type: 'leave', roomId: 'r1' },
  { type: 'message', roomId: 'r1', content, id: 'm1' },
  { type: 'message', roomId: 'r1', content: 'plain text' },
  { type: 'message', roomId: 'r1', content: null },
  { type: 'direct', to: 'bob', content: { hi: 1 } },
  { type: 'subscribe', channel: 'prices.BTC', id: 's1' },
  { type: 'unsubscribe', channel: 'prices.BTC' },
  { type: 'ping', id: 'p1' },
  { type: 'history', roomId: 'r1', limit: 10, before: 200 },
  { type: 'history', roomId: 'r1' },
  { type: 'ack', ids: ['n1', 'n2'] },
];

const message = { type: 'message', roomId: 'r1', from: 'alice', content, seq: 7, timestamp: t, id: 'srv-7' } as const;
const serverFrames: ServerFrame[] = [
  { type: 'auth:ok', userId: 'alice', connectionId: 'c1', heartbeatIntervalMs: 30_000, tokenExpiresAt: t + 3_600_000, timestamp: t, id: 'a1' },
  { type: 'auth:fail', reason: 'token expired', timestamp: t, id: 'a2' },
  { type: 'pong', ts: t, ref: 'p1', timestamp: t, id: 'a3' },
  { type: 'error', code: 'rate_limited', message: 'slow down', ref: 'm1', retryAfterMs: 1000, timestamp: t, id: 'a4' },
  { type: 'reconnect', reason: 'draining', retryAfterMs: 2500, timestamp: t, id: 'a5' },
  { type: 'joined', roomId: 'r1', seq: 0, epoch: 'e-0', ref: 'j1', timestamp: t, id: 'a6' },
  { type: 'joined', roomId: 'r1', seq: 12, epoch: 'e-0', recovered: true, missed: 3, timestamp: t, id: 'a7' },
  { type: 'joined', roomId: 'r1', seq: 12, epoch: 'e-1', recovered: false, timestamp: t, id: 'a8' },
  { type: 'left', roomId: 'r1', ref: 'l1', timestamp: t, id: 'a9' },
  { type: 'subscribed', channel: 'prices.BTC', ref: 's1', timestamp: t, id: 'a10' },
  { type: 'unsubscribed', channel: 'prices.BTC', timestamp: t, id: 'a11' },
  message,
  { type: 'history', roomId: 'r1', messages: [message, { ...message, seq: 8, id: 'srv-8', content: 'x' }], seq: 8, epoch: 'e-0', ref: 'h1', timestamp: t, id: 'a12' },
  { type: 'history', roomId: 'r1', messages: [], seq: 0, epoch: 'e-0', timestamp: t, id: 'a13' },
  { type: 'user:joined', userId: 'bob', roomId: 'r1', timestamp: t, id: 'a14' },
  { type: 'user:left', userId: 'bob', roomId: 'r1', timestamp: t, id: 'a15' },
  { type: 'direct', from: 'bob', content: { hi: 1 }, timestamp: t, id: 'a16' },
  { type: 'order_update', content: { orderId: 42 }, ack: true, timestamp: t, id: 'order-42' },
  { type: 'price_update', channel: 'prices.BTC', content: 97_000.25, timestamp: t, id: 'a17' },
  { type: 'dismissed', ids: ['order-42'], timestamp: t, id: 'a18' },
];

const binary = [msgpackCodec, cborCodec, protobufCodec];
const bytes = (data: string | Uint8Array): Uint8Array => {
  assert.ok(data instanceof Uint8Array, 'a binary encoding wrote text');
  return data;
};

describe('codecs', () => {
  for (const codec of Object.values(codecs)) {
    it(`${codec.name}: every client frame round-trips`, () => {
      for (const frame of clientFrames) {
        assert.deepEqual(codec.decodeClient(codec.encodeClient(frame)), frame, JSON.stringify(frame));
      }
    });

    it(`${codec.name}: every server frame round-trips`, () => {
      for (const frame of serverFrames) {
        assert.deepEqual(codec.decodeServer(codec.encodeServer(frame)), frame, JSON.stringify(frame));
      }
    });
  }

  it('json writes text frames, the binary encodings bytes', () => {
    assert.equal(typeof jsonCodec.encodeClient({ type: 'ping' }), 'string');
    for (const codec of binary) {
      assert.ok(codec.encodeClient({ type: 'ping' }) instanceof Uint8Array, codec.name);
      assert.equal(codec.binary, true);
    }
  });

  it('msgpack and cbor write maps with exactly the JSON field names and values', () => {
    for (const frame of [...clientFrames, ...serverFrames]) {
      const json = JSON.parse(JSON.stringify(frame));
      assert.deepEqual(msgpackDecode(bytes(msgpackCodec.encodeServer(frame as ServerFrame))), json);
      assert.deepEqual(cborDecode(bytes(cborCodec.encodeServer(frame as ServerFrame))), json);
    }
  });

  it('msgpack and cbor leave out undefined fields as JSON does', () => {
    const frame = { type: 'join', roomId: 'r1', id: undefined } as unknown as ClientFrame;
    assert.deepEqual(msgpackDecode(bytes(msgpackCodec.encodeClient(frame))), { type: 'join', roomId: 'r1' });
    assert.deepEqual(cborDecode(bytes(cborCodec.encodeClient(frame))), { type: 'join', roomId: 'r1' });
  });

  it('the subprotocols are the ones architecture.md names', () => {
    assert.deepEqual(
      Object.values(codecs).map((c) => c.subprotocol),
      ['gateway.v1.json', 'gateway.v1.msgpack', 'gateway.v1.cbor', 'gateway.v1.protobuf'],
    );
  });

  it('an unknown encoding is refused naming the known ones', () => {
    assert.throws(() => codecFor('xml' as never), /unknown encoding 'xml'; use one of json, msgpack, cbor, protobuf/);
  });

  for (const codec of Object.values(codecs)) {
    it(`${codec.name}: unreadable input is a FrameDecodeError, not a crash`, () => {
      const garbage = codec.binary ? new Uint8Array([0xc1, 0xff, 0x00, 0x13]) : '{"type":';
      assert.throws(() => codec.decodeServer(garbage), FrameDecodeError);
      const notAFrame = codec.binary ? codec.encodeServer({ type: '' } as ServerFrame) : '[1,2]';
      assert.throws(() => codec.decodeServer(notAFrame), FrameDecodeError);
    });
  }

  it('binary encodings refuse a text frame', () => {
    for (const codec of binary) {
      assert.throws(() => codec.decodeServer('{"type":"pong"}'), /a text frame where binary frames were negotiated/);
    }
  });

  it('protobuf: content keeps the JSON types through google.protobuf.Value', () => {
    for (const value of [0, -1.25, 'x', true, false, null, [], {}, [null, [1, { a: 'b' }]], { deep: { deeper: [1, 2, 3] } }]) {
      const frame = { type: 'message', roomId: 'r', content: value } as ClientFrame;
      assert.deepEqual(protobufCodec.decodeClient(protobufCodec.encodeClient(frame)), frame, JSON.stringify(value));
    }
  });

  it('protobuf: a field the schema does not have is refused with its name', () => {
    assert.throws(() => protobufCodec.encodeClient({ type: 'ping', bogus: 1 } as unknown as ClientFrame), /gateway.client.v1.ClientFrame has no field 'bogus'/);
  });

  it('protobuf: content that JSON cannot carry is refused', () => {
    assert.throws(() => protobufCodec.encodeClient({ type: 'message', roomId: 'r', content: Number.NaN }), /NaN or Infinity/);
  });
});
