import type { UnmatchedReason } from '../aggregation/model-aggregator.js';

const JOINED = 0;
const EXPIRED = 1;
const EVICTED = 2;
const PENDING = 3;
type Closed = typeof JOINED | typeof EXPIRED | typeof EVICTED;

/** Limits of the prediction-id -> prediction map used to join outcomes. */
export interface OutcomeJoinOptions {
  /** Predictions kept waiting for their outcome; the oldest is evicted beyond this (default 50 000; 0 disables joining). */
  readonly maxEntries?: number;
  /** Age after which a waiting prediction expires (default 24 h). */
  readonly maxAgeMs?: number;
}

/**
 * Array-backed FIFO queue. (Finding the oldest key of a JavaScript `Map` with `keys().next()`
 * walks over the slots of deleted entries, which makes "delete oldest" quadratic over time.)
 */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the items for which `keep` is true (order preserved). */
  filter(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (keep(item)) kept.push(item);
    }
    this.items = kept;
    this.head = 0;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Slot<T> {
  readonly id: string;
  readonly entry: T;
}

/**
 * A bounded map from prediction id to what is needed to score its outcome later. Entries leave by
 * being joined, by expiring (older than `maxAgeMs`) or by eviction (more than `maxEntries`,
 * oldest first). Ids that left are remembered (at most `maxEntries` of them) so that a late
 * outcome can be classified as `duplicate`, `expired` or `evicted` rather than `unknown_id`.
 *
 * Ids generated here (`addNew`: a random per-instance prefix and a sequence number) live in a
 * ring of `maxEntries` slots indexed by the sequence number, without any map; caller-supplied ids
 * (`add`) live in a map with a FIFO for eviction. Each kind is bounded by `maxEntries`. All
 * operations are amortized O(1).
 */
export class OutcomeJoin<T extends { readonly t: number }> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly pending = new Map<string, T>();
  /** Insertion order of `pending` (may hold slots that already left; checked by identity). */
  private readonly order = new Fifo<Slot<T>>();
  private readonly closed = new Map<string, Closed>();
  private readonly closedOrder = new Fifo<string>();
  private nextSweepMs = 0;
  private readonly prefix: string;
  private seq = 0;
  private ringEntries: (T | undefined)[] = [];
  private ringSeqs = new Float64Array(0);
  private ringState = new Uint8Array(0);
  private ringLive = 0;

  constructor(
    options: OutcomeJoinOptions = {},
    private readonly clock: () => number = Date.now,
    /** Prefix of generated ids; must not be a prefix of caller-supplied ids. */
    prefix = 'p',
  ) {
    const max = options.maxEntries ?? 50_000;
    this.maxEntries = Number.isFinite(max) && max > 0 ? Math.floor(max) : 0;
    const age = options.maxAgeMs ?? 24 * 3600_000;
    this.maxAgeMs = Number.isFinite(age) && age > 0 ? age : 24 * 3600_000;
    this.prefix = prefix;
  }

  /** Predictions waiting for their outcome. */
  get size(): number {
    return this.pending.size + this.ringLive;
  }

  /** Generates a new prediction id and, when joining is enabled, keeps `entry` under it. */
  addNew(entry: T | undefined): string {
    const seq = this.seq++;
    const id = this.prefix + seq;
    const cap = this.maxEntries;
    if (cap === 0 || entry === undefined) return id;
    if (this.ringSeqs.length === 0) {
      this.ringEntries = new Array<T | undefined>(cap).fill(undefined);
      this.ringSeqs = new Float64Array(cap).fill(-1);
      this.ringState = new Uint8Array(cap);
    }
    const slot = seq % cap;
    if (this.ringEntries[slot] !== undefined) this.ringLive--;
    this.ringEntries[slot] = entry;
    this.ringSeqs[slot] = seq;
    this.ringState[slot] = PENDING;
    this.ringLive++;
    return id;
  }

  /** Sequence number of a generated id, or -1. */
  private seqOf(id: string): number {
    if (!id.startsWith(this.prefix)) return -1;
    const rest = id.slice(this.prefix.length);
    const seq = Number(rest);
    return Number.isSafeInteger(seq) && seq >= 0 && String(seq) === rest ? seq : -1;
  }

  private takeGenerated(seq: number, peek: boolean): T | UnmatchedReason {
    if (seq >= this.seq) return 'unknown_id';
    const cap = this.maxEntries;
    const slot = seq % cap;
    if (cap === 0 || this.ringSeqs.length === 0 || this.ringSeqs[slot] !== seq) return 'evicted';
    const state = this.ringState[slot];
    if (state === JOINED) return 'duplicate';
    if (state === EXPIRED) return 'expired';
    const entry = this.ringEntries[slot]!;
    if (peek) return entry;
    this.ringEntries[slot] = undefined;
    this.ringLive--;
    if (this.clock() - entry.t > this.maxAgeMs) {
      this.ringState[slot] = EXPIRED;
      return 'expired';
    }
    this.ringState[slot] = JOINED;
    return entry;
  }

  /** Adds (or replaces) the prediction `id`, created at `entry.t`. */
  add(id: string, entry: T): void {
    if (this.maxEntries === 0) return;
    this.pending.set(id, entry);
    this.order.push({ id, entry });
    if (this.pending.size > this.maxEntries) this.evictOldest();
    else if (this.order.length > 2 * this.pending.size + 1024)
      this.order.filter((s) => this.pending.get(s.id) === s.entry);
    if (entry.t >= this.nextSweepMs) this.sweep(entry.t);
  }

  private evictOldest(): void {
    for (let slot = this.order.shift(); slot !== undefined; slot = this.order.shift()) {
      if (this.pending.get(slot.id) === slot.entry) {
        this.pending.delete(slot.id);
        this.close(slot.id, EVICTED);
        return;
      }
    }
  }

  /** Entry of a prediction still waiting (without removing it). */
  peek(id: string): T | undefined {
    const seq = this.seqOf(id);
    if (seq >= 0) {
      const e = this.takeGenerated(seq, true);
      return typeof e === 'string' ? undefined : e;
    }
    return this.pending.get(id);
  }

  /** Removes and returns the waiting prediction `id`, or why there is none. */
  take(id: string): T | UnmatchedReason {
    const seq = this.seqOf(id);
    if (seq >= 0) return this.takeGenerated(seq, false);
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
    for (let slot = this.order.peek(); slot !== undefined; slot = this.order.peek()) {
      const live = this.pending.get(slot.id) === slot.entry;
      if (live && now - slot.entry.t <= this.maxAgeMs) break;
      this.order.shift();
      if (live) {
        this.pending.delete(slot.id);
        this.close(slot.id, EXPIRED);
      }
    }
  }

  clear(): void {
    this.pending.clear();
    this.order.clear();
    this.closed.clear();
    this.closedOrder.clear();
    this.ringEntries = [];
    this.ringSeqs = new Float64Array(0);
    this.ringState = new Uint8Array(0);
    this.ringLive = 0;
  }

  private close(id: string, how: Closed): void {
    this.closed.set(id, how);
    this.closedOrder.push(id);
    while (this.closedOrder.length > Math.max(this.maxEntries, 1)) {
      const old = this.closedOrder.shift()!;
      this.closed.delete(old);
    }
  }
}
