import type { Timers } from '../../src/index.js';

/** Timers that move only when the test says so. */
export class FakeTimers implements Timers {
  private nowMs = 0;
  private nextHandle = 1;
  private readonly due = new Map<number, { at: number; callback: () => void }>();

  get now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.due.set(handle, { at: this.nowMs + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const next = [...this.due.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined) {
        break;
      }

      this.due.delete(next[0]);
      this.nowMs = next[1].at;
      next[1].callback();
    }

    this.nowMs = until;
  }

  get pending(): number {
    return this.due.size;
  }
}
