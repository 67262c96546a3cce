import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JoinedFrame, RoomMessageFrame } from '../../src/index.js';
import { ClientPool, devTokenFrom, RecordingSockets } from '../support/clients.js';
import { isAlive, SuiteProcess, until } from '../support/suite.js';

// The suite as separate processes over real Redis (services/launcher, 2 edges): an edge process is
// killed under a client, which must come back on the other edge and resume its room from the last
// seq it saw, missing nothing and repeating nothing.
describe('GatewayClient when its edge dies (launcher, Redis, 2 edges)', () => {
  let suite: SuiteProcess;
  const pool = new ClientPool();

  before(async () => {
    // A first auth on a fresh edge of a busy machine can pass the 5 s auth timeout (upstream calls
    // still warming up); the timeout is not what these tests are about.
    suite = await SuiteProcess.launcher(2, { Auth__AuthTimeout: '00:00:30' });
  }, { timeout: 300_000 });

  after(async () => {
    pool.closeAll();
    await suite?.stop();
  }, { timeout: 60_000 });

  it('reconnects to the other edge and resumes the room: every message once, in order', { timeout: 60_000 }, async () => {
    const [edge0, edge1] = suite.info.edges as [typeof suite.info.edges[0], typeof suite.info.edges[0]];
    const room = `failover-${Date.now().toString(36)}`;
    // Holding alice's reconnect (the provider is asked for a token first) until bob's messages
    // are stored makes them missed for sure, so the resume has something to replay.
    let hold: Promise<void> | undefined;
    let release = () => {};
    let waiting = false;
    const sockets = new RecordingSockets();
    const alice = pool.create({
      url: [edge0.webSocket, edge1.webSocket],
      WebSocket: sockets.constructor_,
      backoff: { initialMs: 50, maxMs: 200 },
      // A room's first join on a fresh launcher takes its ownership lease in Redis: slow on a busy machine.
      requestTimeoutMs: 30_000,
      tokenProvider: async () => {
        if (hold !== undefined) {
          waiting = true;
          await hold;
        }

        return devTokenFrom(edge1.http, 'alice');
      },
    });
    const bob = pool.create({ url: edge1.webSocket, token: await devTokenFrom(edge1.http, 'bob'), requestTimeoutMs: 30_000 });
    const got: RoomMessageFrame[] = [];
    const joins: JoinedFrame[] = [];
    alice.on('message', (m) => got.push(m));
    alice.on('joined', (j) => joins.push(j));
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join(room);
    await bob.join(room);
    const say = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        bob.send(room, `m${i}`);
      }

      // The edge handles a connection's frames in order: once history answers, the sends are stored.
      const history = await bob.history(room, { limit: 1 });
      assert.equal(history.messages.at(-1)?.content, `m${to}`);
    };

    await say(1, 3);
    await until(() => got.length === 3, 10_000, 'alice to get m1..m3 live');

    hold = new Promise((resolve) => (release = resolve));
    process.kill(edge0.pid, 'SIGKILL');
    await until(() => waiting, 10_000, 'alice to notice the dead edge and ask for a token');
    // Gone once its parent (the launcher) reaped it: until then a killed process is a zombie, which
    // kill(pid, 0) still finds.
    await until(() => !isAlive(edge0.pid), 10_000, 'the killed edge to be reaped');
    await say(4, 6);
    release();
    await until(() => joins.length === 2, 15_000, "alice's resuming join on the other edge");
    assert.equal(joins[1]!.recovered, true, JSON.stringify(joins[1]));
    assert.equal(joins[1]!.missed, 3);
    assert.match(sockets.sockets.at(-1)!.url, new RegExp(`^${edge1.webSocket}`));

    await say(7, 9);
    await until(() => got.length >= 9, 10_000, 'alice to get m7..m9 live');
    await alice.ping();
    assert.deepEqual(got.map((m) => m.content), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    assert.equal(new Set(got.map((m) => m.id)).size, 9, 'no id twice');
    assert.ok(got.every((m, i) => i === 0 || m.seq === got[i - 1]!.seq + 1), `consecutive seqs: ${got.map((m) => m.seq)}`);
  });
});
