// How often one key (a session, an address, an email) may do something: `limit` times per
// `windowMs`. Counts live in two fixed windows, the current and the previous, and the previous
// one counts for the share of it still inside the sliding window — O(1) per check, memory bounded
// by the keys seen in two windows, and no burst of 2x at a window's edge.
export class RateLimit {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private windowStart: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private now: () => number = Date.now,
  ) {
    this.windowStart = Math.floor(now() / windowMs) * windowMs;
  }

  /** Seconds until `key` may go again; 0 when it may now. Counts nothing. */
  retryAfter(key: string): number {
    this.roll();
    const elapsed = this.now() - this.windowStart;
    const used = (this.previous.get(key) ?? 0) * (1 - elapsed / this.windowMs) + (this.current.get(key) ?? 0);
    if (used < this.limit) return 0;
    // Wait until enough of the previous window has slid out (or the current one ends).
    const prev = this.previous.get(key) ?? 0;
    const cur = this.current.get(key) ?? 0;
    const needShare = prev > 0 ? 1 - (this.limit - 1 - cur) / prev : 1;
    const waitMs = cur >= this.limit ? this.windowMs - elapsed : Math.max(0, needShare * this.windowMs - elapsed);
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Count one use of `key`. */
  hit(key: string): void {
    this.roll();
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
  }

  /** Count one use if allowed; the seconds to wait if not (and then nothing is counted). */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait === 0) this.hit(key);
    return wait;
  }

  clear(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  private roll() {
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    if (start === this.windowStart) return;
    this.previous = start - this.windowStart === this.windowMs ? this.current : new Map();
    this.current = new Map();
    this.windowStart = start;
  }
}
