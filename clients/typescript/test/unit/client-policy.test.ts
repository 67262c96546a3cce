import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type CloseInfo, codecs, type EventFrame, GatewayClient, type GatewayClientOptions, type RoomMessageFrame, type WebSocketConstructor } from '../../src/index.js';
import { FakeEdge } from '../support/fake-edge.js';
import { until } from '../support/suite.js';

// The client against a scripted edge: what it does on each close code, on `reconnect`, on repeated
// and out-of-order frames, in each encoding. Real-edge behaviour is in test/integration.

let edge: FakeEdge;
const clients: GatewayClient[] = [];

function client(options: Partial<GatewayClientOptions>): GatewayClient {
  const c = new GatewayClient({ url: edge.url, WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { initialMs: 20, maxMs: 100 }, ...options });
  clients.push(c);
  return c;
}

function closes(c: GatewayClient): CloseInfo[] {
  const seen: CloseInfo[] = [];
  c.on('closed', (info) => seen.push(info));
  return seen;
}

describe('GatewayClient against a scripted edge', () => {
  before(async () => {
    edge = await FakeEdge.start();
  });

  after(async () => {
    for (const c of clients) {
      c.close();
    }

    await edge.close();
  });

  it('does not retry a fixed token the edge refused (4001)', async () => {
    const base = edge.connections.length;
    const c = client({ token: 'bad' });
    const closed = closes(c);
    c.on('error', () => undefined);
    const connected = c.connect();
    const connection = await edge.connection(base);
    assert.deepEqual(await connection.next('auth'), { type: 'auth', token: 'bad' });
    connection.send({ type: 'auth:fail', reason: 'invalid signature' });
    connection.close(4001, 'invalid signature');
    await assert.rejects(connected, /a fixed token cannot be renewed/);
    assert.equal(c.state, 'closed');
    assert.deepEqual(closed.map((x) => [x.code, x.willReconnect]), [[4001, false]]);
    assert.equal(edge.connections.length, base + 1, 'no second connection');
  });

  it('after 4003 asks the provider for a fresh token and reconnects with it, but not with the same one', async () => {
    const base = edge.connections.length;
    const asked: string[] = [];
    let next = 1;
    const c = client({ tokenProvider: ({ reason }) => (asked.push(reason), next <= 2 ? `t${next++}` : 't2') });
    c.on('error', () => undefined);
    const closed = closes(c);
    const connected = c.connect();
    const first = await edge.accept(base);
    await connected;
    first.close(4003, 'token expired; reconnect with a fresh token');
    const second = await edge.connection(base + 1);
    assert.deepEqual(await second.next('auth'), { type: 'auth', token: 't2' });
    second.close(4001, 'token expired');
    await until(() => c.state === 'closed', 5000, 'the client to give up');
    assert.deepEqual(asked, ['connect', 'rejected', 'rejected']);
    assert.deepEqual(closed.map((x) => [x.code, x.willReconnect]), [[4003, true], [4001, true], [1000, false]]);
    assert.equal(edge.connections.length, base + 2, 'the refused token was not tried again');
  });

  it('waits the retryAfterMs of a reconnect frame before coming back after 1012', async () => {
    const base = edge.connections.length;
    const c = client({ token: 't' });
    const closed = closes(c);
    await Promise.all([c.connect(), edge.accept(base)]);
    const first = edge.connections[base]!;
    first.send({ type: 'reconnect', reason: 'edge draining', retryAfterMs: 400 });
    const closedAt = Date.now();
    first.close(1012, 'edge shutting down');
    await edge.accept(base + 1);
    assert.ok(edge.connectedAt[base + 1]! - closedAt >= 400, `came back after ${edge.connectedAt[base + 1]! - closedAt} ms`);
    assert.equal(closed[0]!.code, 1012);
    assert.ok(closed[0]!.retryInMs! >= 400);
  });

  it('keeps retrying an unreachable edge, each delay within the back-off cap', async () => {
    const dead = new GatewayClient({
      url: 'ws://127.0.0.1:1/ws',
      token: 't',
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 10, maxMs: 40 },
    });
    clients.push(dead);
    const closed = closes(dead);
    dead.on('error', () => undefined);
    void dead.connect().catch(() => undefined);
    await until(() => closed.length >= 4, 5000, 'four failed attempts');
    assert.ok(closed.every((x) => x.willReconnect && x.retryInMs! <= 40));
    dead.close();
  });

  it('gives up on a connection that opens but never authenticates, and tries again', async () => {
    const base = edge.connections.length;
    const c = client({ token: 't', connectTimeoutMs: 300 });
    const closed = closes(c);
    const connected = c.connect();
    await (await edge.connection(base)).next('auth');
    await edge.accept(base + 1);
    await connected;
    assert.deepEqual(closed.map((x) => [x.code, x.reason, x.willReconnect]), [[1006, 'no auth:ok within 300 ms', true]]);
  });

  for (const codec of Object.values(codecs)) {
    it(`${codec.name}: negotiates its subprotocol, de-duplicates by id and orders room messages by seq`, async () => {
      const base = edge.connections.length;
      const c = client({ token: 't', encoding: codec.name, reorderWindowMs: 1000 });
      const messages: RoomMessageFrame[] = [];
      const events: EventFrame[] = [];
      c.on('message', (m) => messages.push(m));
      c.on('event', (e) => events.push(e));
      const joined = c.join('r1');
      await Promise.all([c.connect(), edge.accept(base)]);
      const connection = edge.connections[base]!;
      assert.equal(connection.codec.name, codec.name, 'the edge saw the subprotocol');
      assert.equal(connection.socket.protocol, codec.name === 'json' ? '' : codec.subprotocol);
      const join = await connection.next('join');
      connection.send({ type: 'joined', roomId: 'r1', seq: 10, epoch: 'e1', ref: join.id! });
      assert.equal((await joined).seq, 10);
      const m = (seq: number) => ({ type: 'message', roomId: 'r1', from: 'bob', content: { n: seq }, seq, id: `m${seq}` });
      for (const frame of [m(11), m(11), m(13), m(12), m(10)]) {
        connection.send(frame);
      }

      connection.send({ type: 'order_update', content: { orderId: 1 }, ack: true, id: 'n1' });
      connection.send({ type: 'order_update', content: { orderId: 1 }, ack: true, id: 'n1' });
      await until(() => messages.length >= 3 && events.length >= 1, 5000, 'the messages');
      assert.deepEqual(messages.map((x) => x.seq), [11, 12, 13]);
      assert.deepEqual(events.map((x) => x.id), ['n1']);
      c.ack(['n1']);
      const ack = await connection.next('ack');
      assert.deepEqual(ack.type === 'ack' ? ack.ids : undefined, ['n1']);
      c.close();
    });
  }

  it('resumes each room from the last seq it saw after a reconnect, and sends queued messages after the join', async () => {
    const base = edge.connections.length;
    const c = client({ token: 't' });
    const resets: string[] = [];
    c.on('reset', (j) => resets.push(j.roomId));
    const joined = c.join('r1');
    await Promise.all([c.connect(), edge.accept(base)]);
    const first = edge.connections[base]!;
    const join = await first.next('join');
    first.send({ type: 'joined', roomId: 'r1', seq: 3, epoch: 'e1', ref: join.id! });
    await joined;
    first.send({ type: 'message', roomId: 'r1', from: 'bob', content: 1, seq: 4, id: 'x4' });
    await until(() => c.roomPositions.r1?.seq === 4, 5000, 'seq 4 to arrive');
    // Sent from the close handler, so surely while the client is disconnected.
    let queuedId = '';
    c.once('closed', () => (queuedId = c.send('r1', 'while away')));
    first.socket.terminate();
    const second = await edge.accept(base + 1);
    const resume = await second.next('join');
    assert.deepEqual({ ...resume, id: undefined }, { type: 'join', roomId: 'r1', since: { seq: 4, epoch: 'e1' }, id: undefined });
    const queued = await second.next('message');
    assert.deepEqual(queued, { type: 'message', roomId: 'r1', content: 'while away', id: queuedId });
    assert.ok(second.received.length === 0);
    second.send({ type: 'joined', roomId: 'r1', seq: 4, epoch: 'e2', recovered: false, ref: resume.id! });
    await until(() => resets.length === 1, 5000, 'the reset event');
    assert.deepEqual(c.roomPositions.r1, { seq: 4, epoch: 'e2' });
  });

  it('sends a fresh auth from the provider before the token expires', async () => {
    const base = edge.connections.length;
    let n = 0;
    const c = client({ tokenProvider: () => `t${++n}`, refreshLeadMs: 60_000 });
    const authenticated: number[] = [];
    c.on('authenticated', (f) => authenticated.push(f.tokenExpiresAt!));
    const connected = c.connect();
    const connection = await edge.accept(base, { tokenExpiresAt: Date.now() + 600 });
    await connected;
    const refresh = await connection.next('auth', 3000);
    assert.equal((refresh as { token: string }).token, 't2');
    // As the edge does, the auth:ok of a refresh has no ref.
    connection.send({ type: 'auth:ok', userId: 'alice', connectionId: 'c', tokenExpiresAt: Date.now() + 600_000 });
    await until(() => authenticated.length === 2, 5000, 'the second auth:ok');
    assert.equal(c.state, 'open');
  });

  it('tries a refused refresh again with a new token, and reports the refusal', async () => {
    const base = edge.connections.length;
    let n = 0;
    const c = client({ tokenProvider: () => `t${++n}`, refreshLeadMs: 60_000 });
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    const connected = c.connect();
    const connection = await edge.accept(base, { tokenExpiresAt: Date.now() + 2400 });
    await connected;
    const refused = await connection.next('auth', 3000);
    connection.send({ type: 'error', code: 'forbidden', message: 'a fresh token must be for the same user', ref: refused.id! });
    const again = await connection.next('auth', 3000);
    assert.deepEqual([(refused as { token: string }).token, (again as { token: string }).token], ['t2', 't3']);
    assert.equal((errors[0] as { code?: string }).code, 'forbidden');
  });
});
