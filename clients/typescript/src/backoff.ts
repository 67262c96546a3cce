export interface BackoffOptions {
  /** First retry delay (ms). */
  initialMs: number;
  /** Largest retry delay (ms). */
  maxMs: number;
  /** Fraction of the server's `retryAfterMs` added at random, so a drained edge's clients spread out. */
  retryAfterJitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 30_000, retryAfterJitter: 0.2 };

/**
 * Exponential back-off with "equal jitter": half the capped delay fixed, half random, so clients
 * that lost the same edge do not come back in one wave, yet none retries at once in a tight loop.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = defaultBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts as one failed attempt. */
  next(): number {
    const cap = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(cap / 2 + this.random() * (cap / 2));
  }

  /** The server said when to come back (`reconnect`/`retryAfterMs`): that, plus some spread, never sooner. */
  after(retryAfterMs: number): number {
    this.attempt++;
    return Math.round(retryAfterMs + this.random() * retryAfterMs * this.options.retryAfterJitter);
  }

  /** A connection got as far as `auth:ok`: the next failure starts from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
