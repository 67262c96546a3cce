import type { JoinedFrame, RoomMessageFrame, RoomPosition } from './protocol.js';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * One room's position and the order of its messages. The edge already sends a room's messages in
 * seq order with no repeat (README, "Resume and history"); this holds the line on the client too:
 * a message at or below the position is dropped (a copy from before the join or a replayed one),
 * and one that leaves a gap is held up to `reorderWindowMs` for the missing ones, then released in
 * seq order. Gaps are normal: a sender does not get its own messages back, so after this client
 * sent k messages to the room, a gap of up to k is released at once.
 */
export class RoomSequencer {
  private seq: number | undefined;
  private epoch: string | undefined;
  private readonly held = new Map<number, RoomMessageFrame>();
  private holdTimer: unknown;
  private ownUnseen = 0;

  constructor(
    readonly roomId: string,
    private readonly deliver: (message: RoomMessageFrame) => void,
    private readonly reorderWindowMs: number,
    private readonly timers: Timers = systemTimers,
    start?: RoomPosition,
  ) {
    this.seq = start?.seq;
    this.epoch = start?.epoch;
  }

  /** Where a resuming `join` starts (`since`), once the room has told its position. */
  get position(): RoomPosition | undefined {
    return this.seq !== undefined && this.epoch !== undefined ? { seq: this.seq, epoch: this.epoch } : undefined;
  }

  /** This client sent a message to the room; its seq will be missing from what arrives. */
  sentOne(): void {
    this.ownUnseen++;
  }

  /**
   * The answer to a join. Returns true when the client must reload the room from its own backend
   * (a resume the room could not serve: `recovered:false`).
   */
  joined(frame: JoinedFrame, resumed: boolean): boolean {
    this.ownUnseen = 0;
    if (resumed && frame.recovered === true) {
      // The missed messages follow with seqs above ours; the epoch is the same.
      this.epoch = frame.epoch ?? this.epoch;
      return false;
    }

    this.releaseHeld();
    if (frame.seq !== undefined) {
      // Live messages may arrive before `joined` (the edge indexes the connection first): keep the higher.
      this.seq = resumed || this.seq === undefined ? frame.seq : Math.max(this.seq, frame.seq);
    }

    this.epoch = frame.epoch ?? this.epoch;
    return resumed;
  }

  /** A `message` frame of this room (already de-duplicated by id). */
  receive(message: RoomMessageFrame): void {
    if (typeof message.seq !== 'number') {
      this.deliver(message);
      return;
    }

    if (this.seq === undefined) {
      this.seq = message.seq;
      this.deliver(message);
      return;
    }

    if (message.seq <= this.seq || this.held.has(message.seq)) {
      return;
    }

    const gap = message.seq - this.seq - 1;
    if (gap === 0 || (gap <= this.ownUnseen && this.held.size === 0)) {
      this.ownUnseen -= gap;
      this.advance(message);
      this.releaseConsecutive();
      return;
    }

    this.held.set(message.seq, message);
    if (this.reorderWindowMs <= 0) {
      this.releaseHeld();
    } else if (this.holdTimer === undefined) {
      this.holdTimer = this.timers.setTimeout(() => {
        this.holdTimer = undefined;
        this.releaseHeld();
      }, this.reorderWindowMs);
    }
  }

  /** The room was left or the client closed: nothing more is held. */
  dispose(): void {
    this.releaseHeld();
  }

  private advance(message: RoomMessageFrame): void {
    this.seq = message.seq;
    this.deliver(message);
  }

  private releaseConsecutive(): void {
    for (let next = this.held.get(this.seq! + 1); next !== undefined; next = this.held.get(this.seq! + 1)) {
      this.held.delete(next.seq);
      this.advance(next);
    }

    if (this.held.size === 0) {
      this.stopTimer();
    }
  }

  /** The window passed (or no more waiting is wanted): the gap is taken as real, held ones go out in order. */
  private releaseHeld(): void {
    this.stopTimer();
    const ordered = [...this.held.values()].sort((a, b) => a.seq - b.seq);
    this.held.clear();
    for (const message of ordered) {
      if (this.seq === undefined || message.seq > this.seq) {
        this.advance(message);
      }
    }
  }

  private stopTimer(): void {
    if (this.holdTimer !== undefined) {
      this.timers.clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
  }
}
