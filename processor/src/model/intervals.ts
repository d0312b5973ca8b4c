/**
 * The counted intervals of one delta stream: which (start, time] intervals of the stream are
 * already in the state, so that delta points arriving in any order are each counted once.
 *
 * A delta point covers (start, time] (a point with an unknown start, 0, or with start = time
 * covers the instant `time`, taken as (time − 1 ns, time]). Two intervals overlap when each starts
 * before the other ends; touching intervals ((a, b] and (b, c]) do not. For a point of a stream,
 * in this order:
 * - the same (start, time) as a remembered interval → `duplicate` (a retried request already counted);
 * - its interval starts before the record's `floor` → `out_of_order`: it may overlap an interval
 *   that was counted and is no longer remembered, so it cannot be proven new;
 * - it overlaps a remembered interval → `overlap`;
 * - otherwise it is new data, whatever its arrival order, and is added to the record.
 *
 * The record is bounded: it keeps the newest `keep` intervals (by end time). When one more is
 * added, the oldest is forgotten and the floor rises to its end; intervals are disjoint, so every
 * forgotten one ends at or before the floor and every remembered one starts at or after it. An
 * in-order stream therefore accepts every point; one arriving up to `keep − 1` intervals late is
 * accepted too; one arriving later than that is dropped (`out_of_order`) rather than risk counting
 * it twice.
 *
 * The record is stored with the stream's cursor (`store/codec.ts`) in the transaction that
 * counts the point, so it survives restarts like the counts it protects.
 */

/** Counted intervals remembered per delta stream, by default. */
export const DEFAULT_DELTA_INTERVALS = 16;

export type IntervalVerdict = 'duplicate' | 'overlap' | 'out_of_order' | undefined;

/** Lower end of the half-open interval a point covers (see module doc). */
function lowOf(start: bigint, time: bigint): bigint {
  return start === 0n || start >= time ? time - 1n : start;
}

export class CountedIntervals {
  /**
   * @param spans `[start0, time0, start1, time1, ...]`, `n` intervals sorted by time, oldest
   *   first (the array may be longer than 2n)
   * @param floor intervals starting before it cannot be proven new (see module doc)
   */
  constructor(
    private spans: BigInt64Array,
    private n: number,
    private floorNs: bigint,
  ) {
    if (n < 0 || 2 * n > spans.length)
      throw new RangeError(`counted intervals: ${n} intervals in an array of ${spans.length}`);
    this.newestTime = n === 0 ? floorNs : spans[2 * n - 1]!;
  }

  /** End of the newest remembered interval (the floor when none). */
  private newestTime: bigint;

  /** A record holding one interval. */
  static of(start: bigint, time: bigint): CountedIntervals {
    return new CountedIntervals(BigInt64Array.of(start, time), 1, 0n);
  }

  /**
   * The record implied by a delta cursor written before records existed (state files of schema
   * version 4 and earlier): its last interval is remembered, and nothing before its end can be
   * proven new (the rule of those versions: a point had to start at or after the last end).
   */
  static legacy(start: bigint, time: bigint): CountedIntervals {
    return new CountedIntervals(BigInt64Array.of(start, time), 1, time);
  }

  get size(): number {
    return this.n;
  }

  get floor(): bigint {
    return this.floorNs;
  }

  /** The remembered intervals, oldest first (a copy). */
  intervals(): [start: bigint, time: bigint][] {
    const out: [bigint, bigint][] = [];
    for (let i = 0; i < this.n; i++) out.push([this.spans[2 * i]!, this.spans[2 * i + 1]!]);
    return out;
  }

  /** The newest interval (by time). */
  newest(): [start: bigint, time: bigint] {
    return this.n === 0 ? [this.floorNs, this.floorNs] : [this.spans[2 * this.n - 2]!, this.newestTime];
  }

  /** Why the interval (start, time] cannot be counted, or undefined when it is new data. */
  check(start: bigint, time: bigint): IntervalVerdict {
    const lo = lowOf(start, time);
    // after everything remembered (the usual, in-order case): new
    if (lo >= this.newestTime && lo >= this.floorNs) return undefined;
    const s = this.spans;
    for (let i = 0; i < this.n; i++) if (s[2 * i] === start && s[2 * i + 1] === time) return 'duplicate';
    if (lo < this.floorNs) return 'out_of_order';
    for (let i = 0; i < this.n; i++) {
      const t = s[2 * i + 1]!;
      if (lo < t && lowOf(s[2 * i]!, t) < time) return 'overlap';
    }
    return undefined;
  }

  /**
   * Remembers (start, time], which {@link check} found new, keeping at most `keep` (>= 1)
   * intervals: the oldest are forgotten and the floor raised to their end.
   */
  add(start: bigint, time: bigint, keep: number): void {
    let i = this.n;
    while (i > 0 && this.spans[2 * i - 1]! > time) i--;
    if (2 * (this.n + 1) > this.spans.length) {
      const grown = new BigInt64Array(2 * Math.max(keep, this.n + 1));
      grown.set(this.spans.subarray(0, 2 * this.n));
      this.spans = grown;
    }
    const s = this.spans;
    s.copyWithin(2 * i + 2, 2 * i, 2 * this.n);
    s[2 * i] = start;
    s[2 * i + 1] = time;
    this.n++;
    const drop = this.n - Math.max(1, keep);
    if (drop > 0) {
      const end = s[2 * drop - 1]!;
      if (end > this.floorNs) this.floorNs = end;
      s.copyWithin(0, 2 * drop, 2 * this.n);
      this.n -= drop;
    }
    this.newestTime = s[2 * this.n - 1]!;
  }

  /** The intervals as stored (`[start0, time0, ...]`, oldest first), for encoding. */
  raw(): BigInt64Array {
    return this.spans.subarray(0, 2 * this.n);
  }
}
