import type { UnmatchedReason } from '../aggregation/model-aggregator.js';

const JOINED = 0;
const EXPIRED = 1;
const EVICTED = 2;
type Closed = typeof JOINED | typeof EXPIRED | typeof EVICTED;

/** Limits of the prediction-id -> prediction map used to join outcomes. */
export interface OutcomeJoinOptions {
  /** Predictions kept waiting for their outcome; the oldest is evicted beyond this (default 50 000; 0 disables joining). */
  readonly maxEntries?: number;
  /** Age after which a waiting prediction expires (default 24 h). */
  readonly maxAgeMs?: number;
}

/**
 * A bounded map from prediction id to what is needed to score its outcome later. Entries leave by
 * being joined, by expiring (older than `maxAgeMs`) or by eviction (more than `maxEntries`).
 * Ids that left are remembered (bounded by `maxEntries` too) so that a late outcome can be
 * classified as `duplicate`, `expired` or `evicted` rather than `unknown_id`.
 */
export class OutcomeJoin<T extends { readonly t: number }> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly pending = new Map<string, T>();
  private readonly closed = new Map<string, Closed>();
  private nextSweepMs = 0;

  constructor(options: OutcomeJoinOptions = {}, private readonly clock: () => number = Date.now) {
    const max = options.maxEntries ?? 50_000;
    this.maxEntries = Number.isFinite(max) && max > 0 ? Math.floor(max) : 0;
    const age = options.maxAgeMs ?? 24 * 3600_000;
    this.maxAgeMs = Number.isFinite(age) && age > 0 ? age : 24 * 3600_000;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Adds (or replaces) the prediction `id`, created at `entry.t`. */
  add(id: string, entry: T): void {
    if (this.maxEntries === 0) return;
    if (this.pending.has(id)) this.pending.delete(id);
    else if (this.closed.size > 0) this.closed.delete(id);
    this.pending.set(id, entry);
    if (this.pending.size > this.maxEntries) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.close(oldest, EVICTED);
    }
    if (entry.t >= this.nextSweepMs) this.sweep(entry.t);
  }

  /** Entry of a prediction still waiting (without removing it). */
  peek(id: string): T | undefined {
    return this.pending.get(id);
  }

  /** Removes and returns the waiting prediction `id`, or why there is none. */
  take(id: string): T | UnmatchedReason {
    const entry = this.pending.get(id);
    if (entry !== undefined) {
      this.pending.delete(id);
      if (this.clock() - entry.t > this.maxAgeMs) {
        this.close(id, EXPIRED);
        return 'expired';
      }
      this.close(id, JOINED);
      return entry;
    }
    const closed = this.closed.get(id);
    if (closed === JOINED) return 'duplicate';
    if (closed === EXPIRED) return 'expired';
    if (closed === EVICTED) return 'evicted';
    return 'unknown_id';
  }

  /** Expires entries older than `maxAgeMs` (runs at most once a second from `add`). */
  sweep(now = this.clock()): void {
    this.nextSweepMs = now + 1000;
    for (const [id, entry] of this.pending) {
      if (now - entry.t <= this.maxAgeMs) break;
      this.pending.delete(id);
      this.close(id, EXPIRED);
    }
  }

  clear(): void {
    this.pending.clear();
    this.closed.clear();
  }

  private close(id: string, how: Closed): void {
    this.closed.delete(id);
    this.closed.set(id, how);
    if (this.closed.size > Math.max(this.maxEntries, 1)) this.closed.delete(this.closed.keys().next().value as string);
  }
}
