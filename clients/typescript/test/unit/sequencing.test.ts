import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, jwtExpiresAt, RecentIds, refreshDelay, type RoomMessageFrame, RoomSequencer } from '../../src/index.js';
import { FakeTimers } from '../support/fake-timers.js';

const msg = (seq: number): RoomMessageFrame => ({ type: 'message', roomId: 'r', from: 'u', content: seq, seq, id: `m${seq}`, timestamp: 1 });

function sequencer(windowMs = 100, start?: { seq: number; epoch: string }) {
  const timers = new FakeTimers();
  const out: number[] = [];
  const room = new RoomSequencer('r', (m) => out.push(m.seq), windowMs, timers, start);
  return { timers, out, room };
}

describe('RoomSequencer', () => {
  it('delivers consecutive messages at once and drops repeats and older seqs', () => {
    const { out, room } = sequencer();
    room.joined({ type: 'joined', roomId: 'r', seq: 4, epoch: 'e', id: 'j', timestamp: 1 }, false);
    for (const seq of [5, 6, 6, 3, 4, 7]) {
      room.receive(msg(seq));
    }

    assert.deepEqual(out, [5, 6, 7]);
    assert.deepEqual(room.position, { seq: 7, epoch: 'e' });
  });

  it('holds a message after a gap until the missing one arrives, then both in seq order', () => {
    const { out, room, timers } = sequencer();
    room.joined({ type: 'joined', roomId: 'r', seq: 1, epoch: 'e', id: 'j', timestamp: 1 }, false);
    room.receive(msg(3));
    room.receive(msg(4));
    assert.deepEqual(out, []);
    timers.advance(50);
    room.receive(msg(2));
    assert.deepEqual(out, [2, 3, 4]);
    assert.equal(timers.pending, 0);
  });

  it('releases held messages in order when the window passes without the missing one', () => {
    const { out, room, timers } = sequencer(100);
    room.joined({ type: 'joined', roomId: 'r', seq: 1, epoch: 'e', id: 'j', timestamp: 1 }, false);
    room.receive(msg(5));
    room.receive(msg(3));
    timers.advance(99);
    assert.deepEqual(out, []);
    timers.advance(1);
    assert.deepEqual(out, [3, 5]);
    room.receive(msg(2));
    assert.deepEqual(out, [3, 5], 'a seq below the position is too late to be delivered in order');
  });

  it('does not hold a gap this client caused by sending (a sender does not get its own message back)', () => {
    const { out, room } = sequencer();
    room.joined({ type: 'joined', roomId: 'r', seq: 1, epoch: 'e', id: 'j', timestamp: 1 }, false);
    room.sentOne();
    room.receive(msg(3));
    assert.deepEqual(out, [3]);
    room.receive(msg(5));
    assert.deepEqual(out, [3], 'no send left to explain the next gap');
  });

  it('a recovered resume keeps the position so the replayed messages follow it', () => {
    const { out, room } = sequencer(100, { seq: 3, epoch: 'e' });
    const reset = room.joined({ type: 'joined', roomId: 'r', seq: 6, epoch: 'e', recovered: true, missed: 3, id: 'j', timestamp: 1 }, true);
    assert.equal(reset, false);
    for (const seq of [4, 5, 6, 7]) {
      room.receive(msg(seq));
    }

    assert.deepEqual(out, [4, 5, 6, 7]);
  });

  it('a resume the room could not serve asks for a reload and moves to the room position', () => {
    const { out, room } = sequencer(100, { seq: 3, epoch: 'e' });
    const reset = room.joined({ type: 'joined', roomId: 'r', seq: 40, epoch: 'e2', recovered: false, id: 'j', timestamp: 1 }, true);
    assert.equal(reset, true);
    assert.deepEqual(room.position, { seq: 40, epoch: 'e2' });
    room.receive(msg(41));
    assert.deepEqual(out, [41]);
  });

  it('live messages that arrive before joined are kept, and joined does not move the position back', () => {
    const { out, room } = sequencer();
    room.receive(msg(8));
    room.joined({ type: 'joined', roomId: 'r', seq: 7, epoch: 'e', id: 'j', timestamp: 1 }, false);
    room.receive(msg(9));
    assert.deepEqual(out, [8, 9]);
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter between half and all of the capped delay', () => {
    let r = 0;
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, retryAfterJitter: 0.2 }, () => r);
    const low = [0, 1, 2, 3, 4, 5].map(() => backoff.next());
    assert.deepEqual(low, [50, 100, 200, 400, 500, 500]);
    backoff.reset();
    r = 1;
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 400]);
  });

  it('never comes back sooner than the server asked, spreading clients above it', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, retryAfterJitter: 0.2 }, () => 0.5);
    assert.equal(backoff.after(2000), 2200);
    assert.equal(new Backoff(undefined, () => 0).after(2000), 2000);
  });
});

describe('RecentIds', () => {
  it('reports a repeat and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);
    assert.equal(ids.add('a'), true);
    assert.equal(ids.add('a'), false);
    ids.add('b');
    ids.add('c');
    assert.equal(ids.size, 2);
    assert.equal(ids.add('a'), true, 'a was forgotten');
    assert.throws(() => new RecentIds(0), /positive integer/);
  });
});

describe('token timing', () => {
  it('refreshes the lead before expiry, or halfway for a short-lived token', () => {
    assert.equal(refreshDelay(600_000, 0, 60_000), 540_000);
    assert.equal(refreshDelay(10_000, 0, 60_000), 5_000);
    assert.equal(refreshDelay(5_000, 10_000, 60_000), 0);
  });

  it('reads exp from a JWT payload, and nothing from other strings', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: 1_800_000_000 })).toString('base64url');
    assert.equal(jwtExpiresAt(`h.${payload}.s`), 1_800_000_000_000);
    assert.equal(jwtExpiresAt('opaque-token'), undefined);
    assert.equal(jwtExpiresAt('a.!!!.c'), undefined);
  });
});
