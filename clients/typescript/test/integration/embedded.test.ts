import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthOkFrame, EventFrame, RoomMessageFrame } from '../../src/index.js';
import { ClientPool, devTokenFrom, RecordingSockets, recordCloses } from '../support/clients.js';
import { devToken, SuiteProcess, until } from '../support/suite.js';

// The client against the real embedded suite (services/suite: edge, presence, room, notification,
// each beside its emulator sidecar, in one process). Auth:ClockSkew is 1 s so that an expired
// token ends a session within the test's time (the edge closes at expiry + skew).
describe('GatewayClient against the embedded suite', () => {
  let suite: SuiteProcess;
  let ws: string;
  let http: string;
  const pool = new ClientPool();
  const run = Date.now().toString(36);

  before(async () => {
    // A first auth of a busy machine can pass the 5 s auth timeout; not what these tests are about.
    suite = await SuiteProcess.embedded({ Auth__ClockSkew: '00:00:01', Auth__AuthTimeout: '00:00:30' });
    ws = suite.info.edges[0]!.webSocket;
    http = suite.info.edges[0]!.http;
  }, { timeout: 120_000 });

  after(async () => {
    pool.closeAll();
    await suite?.stop();
  }, { timeout: 60_000 });

  it('two users chat in a room: messages arrive once, in seq order, and history answers them', { timeout: 60_000 }, async () => {
    const room = `chat-${run}`;
    const alice = pool.create({ url: ws, token: await devTokenFrom(http, 'alice') });
    const bob = pool.create({ url: ws, tokenProvider: () => devTokenFrom(http, 'bob') });
    const got: RoomMessageFrame[] = [];
    alice.on('message', (m) => got.push(m));
    const [aliceOk] = await Promise.all([alice.connect(), bob.connect()]);
    assert.equal(aliceOk.userId, 'alice');
    const joined = await alice.join(room);
    assert.equal(typeof joined.epoch, 'string');
    await bob.join(room);
    for (let i = 1; i <= 5; i++) {
      bob.send(room, { text: `hi ${i}` });
    }

    await until(() => got.length >= 5, 10_000, "alice to get bob's five messages");
    assert.deepEqual(got.map((m) => (m.content as { text: string }).text), ['hi 1', 'hi 2', 'hi 3', 'hi 4', 'hi 5']);
    assert.ok(got.every((m, i) => m.from === 'bob' && (i === 0 || m.seq === got[i - 1]!.seq + 1)), 'consecutive seqs');
    const history = await alice.history(room, { limit: 3 });
    assert.deepEqual(history.messages.map((m) => m.id), got.slice(2).map((m) => m.id));
    assert.deepEqual(alice.roomPositions[room], { seq: got.at(-1)!.seq, epoch: joined.epoch });
  });

  it('keeps a connection alive past its first token by refreshing it on the connection', { timeout: 60_000 }, async () => {
    const asked: string[] = [];
    const client = pool.create({ url: ws, tokenProvider: ({ reason }) => (asked.push(reason), devToken('carol', 3)) });
    const oks: AuthOkFrame[] = [];
    client.on('authenticated', (ok) => oks.push(ok));
    const closes = recordCloses(client);
    const first = await client.connect();
    // The first token ends within 3 s; the edge would close 4003 a second after that.
    await until(() => Date.now() > first.tokenExpiresAt! + 2500, 10_000, 'the first token to be long expired');
    await client.ping();
    assert.deepEqual(closes, [], 'the connection was never closed');
    assert.ok(oks.length >= 3, `refreshed ${oks.length - 1} times`);
    assert.ok(oks.every((ok) => ok.connectionId === first.connectionId), 'one connection throughout');
    assert.ok(oks.at(-1)!.tokenExpiresAt! > first.tokenExpiresAt!);
    assert.equal(asked[0], 'connect');
    assert.ok(asked.slice(1).every((r) => r === 'refresh'));
  });

  it('does not reconnect after the edge ends a session whose fixed token expired (4003)', { timeout: 60_000 }, async () => {
    const client = pool.create({ url: ws, token: devToken('dave', 2) });
    const closes = recordCloses(client);
    await client.connect();
    await until(() => closes.length > 0, 10_000, 'the edge to end the session');
    assert.deepEqual(closes.map((c) => [c.code, c.willReconnect]), [[4003, false]]);
    assert.equal(client.state, 'closed');
  });

  it('de-duplicates an acknowledged notification the edge sends again from the inbox after a reconnect', { timeout: 60_000 }, async () => {
    const user = `erin-${run}`;
    const sockets = new RecordingSockets();
    const client = pool.create({ url: ws, tokenProvider: () => devTokenFrom(http, user), WebSocket: sockets.constructor_, backoff: { initialMs: 50, maxMs: 200 } });
    const events: EventFrame[] = [];
    client.on('event', (e) => events.push(e));
    const oks: AuthOkFrame[] = [];
    client.on('authenticated', (ok) => oks.push(ok));
    await client.connect();
    const id = `order-${run}`;
    const published = await fetch(new URL('v1.0/publish/pubsub/notifications', suite.info.daprHttp), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, users: { ids: [user] }, ack: true, payload: { type: 'order_update', content: { orderId: 42 } } }),
    });
    assert.ok(published.ok, `publish answered ${published.status}`);
    await until(() => events.length === 1, 10_000, 'the live notification');
    assert.deepEqual([events[0]!.type, events[0]!.id, events[0]!.ack], ['order_update', id, true]);

    sockets.cutLatest();
    await until(() => oks.length === 2 && sockets.count(id) === 2, 10_000, 'the reconnect and the inbox item sent again');
    await client.ping();
    assert.equal(events.length, 1, 'the repeat was dropped');

    // Acked, it leaves the inbox: the next connection does not get it.
    client.ack([id]);
    await client.ping();
    sockets.cutLatest();
    await until(() => oks.length === 3, 10_000, 'the second reconnect');
    await client.ping();
    assert.equal(sockets.count(id), 2);
  });
});
