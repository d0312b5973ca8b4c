/**
 * Cumulative-to-delta conversion and delta-stream checks, per stream.
 *
 * Rules (the OpenTelemetry metrics data model, "sums" and "histograms"; the ideas follow the
 * Collector's cumulativetodelta / deltatocumulative processors):
 *
 * Cumulative stream with a cursor (last accepted start S, time T, value V):
 * - start > S: the sender restarted (new series). The point is a full delta from its own start.
 * - start < S: a point of an older series → dropped as `out_of_order`.
 * - start = S, time = T → `duplicate` (typically a retried request that was already counted);
 *   time < T → `out_of_order`.
 * - start = S, time > T: delta = point − V. If the total count or any bucket (or a counter's
 *   value) decreased, the sender reset without a new start time: the point is a full delta.
 *
 * Cumulative stream without a cursor (first point ever, or its cursor expired): the point is a
 * full delta when its start time is known (non-zero) and not earlier than the *horizon*; otherwise
 * it only sets the cursor and nothing is counted. The horizon is the latest instant up to which
 * state may have been forgotten: initially the creation time of the durable store, then raised to
 * the last timestamp of every cursor dropped by staleness. Because cursors are committed in the
 * same transaction as the accumulated deltas, a stream without a cursor has never had any part of
 * its current series counted unless that series started before the horizon. Consequences:
 * nothing is counted twice across restarts or expiry; what is lost is at most the part of a series
 * that started before the horizon and was never seen (or was forgotten). Start times come from
 * the sender's clock and the horizon from the processor's: with clock skew, a series that started
 * within the skew after the horizon may be taken as older (its first interval is not counted,
 * still never counted twice).
 *
 * Delta stream: the cursor keeps a bounded record of the intervals already counted
 * (`model/intervals.ts`). A point whose interval overlaps none of them is counted, whatever its
 * arrival order; the same interval again → `duplicate`; an interval overlapping a counted one →
 * `overlap`; one older than what the record remembers → `out_of_order`. The cursor's start and
 * time are those of the newest counted interval.
 *
 * Handoff gap (`gap` > 0, `Limits.handoffGapMs`; for instances behind a load balancer, see
 * docs/scale-out.md): a stream that reaches this instance after another instance may have counted
 * part of its series must not be counted again here. So, with a gap set, a cumulative point is
 * counted in full only when its series started at most `gap` before the point (a series that new
 * cannot have been counted elsewhere for longer than that); and a point more than `gap` after its
 * cursor's (sender clock) only re-bases the cursor: what happened in between was counted by the
 * instance the stream was routed to meanwhile, or lost, and is not added to this window. Either
 * way the step says `partial` ('joined': the stream's earlier part is not in this instance's
 * window; 'resumed': a gap of it is not), and the window it belongs to is marked partial.
 *
 * Points flagged NoRecordedValue are handled by the caller: dropped, the cursor untouched.
 */
import type { ExponentialHistogramPoint, HistogramPoint, NumberPoint } from '../otlp/model.js';
import type { DropReason } from './reasons.js';
import { CountedIntervals, DEFAULT_DELTA_INTERVALS } from '../model/intervals.js';
import type { Cursor, ExpHistogramState, HistogramState, SumState } from '../model/cursor.js';
import { subtractExponential, type ExponentialHistogram } from '@otel-ml/conventions';

export type { CumulativeState, Cursor, ExpHistogramState, HistogramState, SumState } from '../model/cursor.js';

/** An explicit-bucket delta ready to accumulate. `counts.length === bounds.length + 1`. */
export interface HistogramDelta {
  readonly count: number;
  readonly sum: number;
  readonly bounds: readonly number[];
  readonly counts: ArrayLike<number>;
  readonly min?: number;
  readonly max?: number;
}

/** An exponential-histogram delta (the shared conventions type). */
export type ExpHistogramDelta = ExponentialHistogram;

/**
 * Outcome of one point: `delta` to accumulate (absent when the point only moves the cursor),
 * `cursor` to store (absent when unchanged), or a drop `reason`. A histogram delta's bucket array
 * may share memory with the cursor state, the point or a scratch array: consume (copy or add) it
 * before the next histogram step.
 */
export type Step<D> =
  | { readonly ok: true; readonly delta?: D; readonly cursor: Cursor; readonly partial?: PartialReason }
  | { readonly ok: false; readonly reason: DropReason; readonly cursor?: Cursor };

/**
 * Why a window lacks part of its streams' data (see the module doc): 'joined', a cumulative
 * series first seen here after it started (a restart, a fresh state file, or a stream routed here
 * from another instance); 'resumed', a series seen again after more than the handoff gap.
 */
export type PartialReason = 'joined' | 'resumed';

type Order = 'full' | 'init' | 'diff' | 'rebase' | DropReason;

/** Where a cumulative point stands relative to its stream's cursor (see module doc). `gap` 0n: no handoff gap. */
function cumulativeOrder(c: Cursor | undefined, start: bigint, time: bigint, horizon: bigint, gap: bigint): Order {
  const young = gap === 0n || time - start <= gap;
  if (c === undefined || c.temporality !== 'cumulative' || c.state === undefined) {
    return start > 0n && start >= horizon && young ? 'full' : 'init';
  }
  if (start > c.start) return young ? 'full' : 'rebase';
  if (start < c.start) return 'out_of_order';
  if (time === c.time) return 'duplicate';
  if (time < c.time) return 'out_of_order';
  if (gap !== 0n && time - c.time > gap) return 'rebase';
  return 'diff';
}

/** The partial reason of a cumulative order that only moves the cursor. */
function partialOf(order: 'init' | 'rebase'): PartialReason {
  return order === 'rebase' ? 'resumed' : 'joined';
}

/** The counted intervals of a delta cursor (see {@link Cursor.counted}). */
function countedOf(c: Cursor | undefined): CountedIntervals | undefined {
  if (c === undefined || c.temporality !== 'delta') return undefined;
  return c.counted ?? CountedIntervals.legacy(c.start, c.time);
}

/** Checks a delta point against its cursor's counted intervals; undefined when it is new data. */
export function deltaOrder(c: Cursor | undefined, start: bigint, time: bigint): DropReason | undefined {
  if (start > time) return 'invalid_point';
  return countedOf(c)?.check(start, time);
}

/**
 * A delta point: dropped with its reason, or counted (its interval added to the cursor's record,
 * which keeps the newest `keep`).
 */
function deltaStep<D>(
  c: Cursor | undefined,
  start: bigint,
  time: bigint,
  now: number,
  delta: D,
  keep: number,
): Step<D> {
  const reason = deltaOrder(c, start, time);
  if (reason !== undefined) return { ok: false, reason };
  let counted = countedOf(c);
  if (counted === undefined) counted = CountedIntervals.of(start, time);
  else counted.add(start, time, keep);
  const [s, t] = counted.newest();
  return { ok: true, delta, cursor: { temporality: 'delta', start: s, time: t, updatedAt: now, counted } };
}

/**
 * Monotonic sum (counter) point → delta value. `keep`: counted intervals remembered per delta
 * stream (`model/intervals.ts`).
 */
export function sumStep(
  c: Cursor | undefined,
  p: NumberPoint,
  temporality: 'delta' | 'cumulative',
  horizon: bigint,
  now: number,
  keep = DEFAULT_DELTA_INTERVALS,
  gap = 0n,
): Step<number> {
  if (!Number.isFinite(p.value) || p.value < 0) return { ok: false, reason: 'invalid_point' };
  if (temporality === 'delta') return deltaStep(c, p.startTimeUnixNano, p.timeUnixNano, now, p.value, keep);
  const order = cumulativeOrder(c, p.startTimeUnixNano, p.timeUnixNano, horizon, gap);
  const cursor: Cursor = {
    temporality,
    start: p.startTimeUnixNano,
    time: p.timeUnixNano,
    updatedAt: now,
    state: { kind: 'sum', value: p.value },
  };
  switch (order) {
    case 'full':
      return { ok: true, delta: p.value, cursor };
    case 'init':
    case 'rebase':
      return { ok: true, cursor, partial: partialOf(order) };
    case 'diff': {
      const prev = (c!.state as SumState).value;
      return { ok: true, delta: p.value >= prev ? p.value - prev : p.value, cursor };
    }
    default:
      return { ok: false, reason: order };
  }
}

/**
 * Validates an explicit-bucket point without copying it: true when it has one more bucket than
 * boundaries (or neither, then it is one bucket over the real line holding `count`), every
 * bucket count is finite and non-negative, the boundaries increase strictly and the buckets add
 * up to `count`.
 */
function validHistogram(p: HistogramPoint): boolean {
  const b = p.explicitBounds;
  const c = p.bucketCounts;
  const n = c.length;
  if (n === 0 && b.length === 0) return Number.isFinite(p.count) && p.count >= 0;
  if (n !== b.length + 1) return false;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = c[i]!;
    // false for NaN, negative and infinite counts
    if (!(v >= 0 && v <= Number.MAX_VALUE)) return false;
    total += v;
  }
  if (!increasing(b)) return false;
  return Math.abs(total - p.count) <= 1e-9 * Math.max(1, total);
}

/** Frozen boundary lists already found strictly increasing (the decoder shares one per request, the store interns them). */
const increasingBounds = new WeakSet<readonly number[]>();

function increasing(b: readonly number[]): boolean {
  if (increasingBounds.has(b)) return true;
  for (let i = 1; i < b.length; i++) if (!(b[i]! > b[i - 1]!)) return false;
  if (Object.isFrozen(b)) increasingBounds.add(b);
  return true;
}

/** The bucket counts of a valid point (see {@link validHistogram}), without copying. */
function bucketsOf(p: HistogramPoint): readonly number[] {
  return p.bucketCounts.length === 0 ? [p.count] : p.bucketCounts;
}

/**
 * Scratch array for cumulative histogram deltas (grown as needed): a delta's `counts` is valid
 * until the next {@link histogramStep} call (the caller adds it to a window first), so one
 * array serves every stream without per-point allocation.
 */
let scratch = new Float64Array(256);

/** Exactly equal boundary lists. */
export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Explicit-bucket histogram point → delta. `intern` maps a boundary list to a shared instance so
 * that thousands of cursors with the same layout share one array. `validated` skips the point
 * checks for points a decoder already validated.
 */
export function histogramStep(
  c: Cursor | undefined,
  p: HistogramPoint,
  temporality: 'delta' | 'cumulative',
  horizon: bigint,
  now: number,
  intern: (b: readonly number[]) => readonly number[] = (b) => b,
  validated = false,
  keep = DEFAULT_DELTA_INTERVALS,
  gap = 0n,
): Step<HistogramDelta> {
  // `validated`: the point passed the decoder's stricter checks (`otlp/validate.ts`)
  if (!validated && !validHistogram(p)) return { ok: false, reason: 'invalid_point' };
  const sum = p.sum ?? Number.NaN;
  const buckets = bucketsOf(p);
  if (temporality === 'delta') {
    // A delta point is added to a window right away: its own bucket array is the delta.
    const delta: HistogramDelta = {
      count: p.count,
      sum,
      bounds: intern(p.explicitBounds),
      counts: buckets,
      min: p.min,
      max: p.max,
    };
    return deltaStep(c, p.startTimeUnixNano, p.timeUnixNano, now, delta, keep);
  }
  const order = cumulativeOrder(c, p.startTimeUnixNano, p.timeUnixNano, horizon, gap);
  if (order === 'rebase') {
    return {
      ok: true,
      cursor: cursorOf(p, temporality, now, {
        kind: 'histogram',
        count: p.count,
        sum,
        bounds: intern(p.explicitBounds),
        counts: Float64Array.from(buckets),
        min: p.min,
        max: p.max,
      }),
      partial: 'resumed',
    };
  }
  if (order !== 'full' && order !== 'init' && order !== 'diff') return { ok: false, reason: order };
  const bounds = intern(p.explicitBounds);
  const prev = order === 'diff' ? c!.state : undefined;
  const reusable =
    prev !== undefined &&
    prev.kind === 'histogram' &&
    sameBounds(prev.bounds, bounds) &&
    prev.counts.length === buckets.length;
  if (order === 'diff' && !reusable) {
    return {
      ok: false,
      reason: 'boundaries_changed',
      cursor: cursorOf(p, temporality, now, {
        kind: 'histogram',
        count: p.count,
        sum,
        bounds,
        counts: Float64Array.from(buckets),
        min: p.min,
        max: p.max,
      }),
    };
  }
  if (!reusable || p.count < prev.count) {
    // First point, new series or reset: the state gets its own copy, and it is the full delta.
    const counts = Float64Array.from(buckets);
    const cursor = cursorOf(p, temporality, now, {
      kind: 'histogram',
      count: p.count,
      sum,
      bounds,
      counts,
      min: p.min,
      max: p.max,
    });
    if (order === 'init') return { ok: true, cursor, partial: 'joined' };
    return { ok: true, delta: { count: p.count, sum, bounds, counts, min: p.min, max: p.max }, cursor };
  }
  // delta = point − previous state, into the scratch array; a decreased bucket means a reset
  // without a new start time (full delta). The previous state is superseded by the new cursor:
  // its array is reused for the new state (no allocation on the hot path).
  const n = buckets.length;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const d = scratch.subarray(0, n);
  const pc = prev.counts;
  let reset = false;
  for (let i = 0; i < n; i++) {
    const v = buckets[i]! - pc[i]!;
    if (v < 0) reset = true;
    d[i] = v;
  }
  pc.set(buckets);
  const cursor = cursorOf(p, temporality, now, {
    kind: 'histogram',
    count: p.count,
    sum,
    bounds,
    counts: pc,
    min: p.min,
    max: p.max,
  });
  if (reset) return { ok: true, delta: { count: p.count, sum, bounds, counts: pc, min: p.min, max: p.max }, cursor };
  // Cumulative min/max cover the whole series; they bound the delta only when they moved in it.
  const max = p.max !== undefined && prev.max !== undefined && p.max > prev.max ? p.max : undefined;
  const min = p.min !== undefined && prev.min !== undefined && p.min < prev.min ? p.min : undefined;
  return { ok: true, delta: { count: p.count - prev.count, sum: sum - prev.sum, bounds, counts: d, min, max }, cursor };
}

function cursorOf(p: HistogramPoint, temporality: 'delta' | 'cumulative', now: number, state: HistogramState): Cursor {
  return { temporality, start: p.startTimeUnixNano, time: p.timeUnixNano, updatedAt: now, state };
}

function validBuckets(b: { readonly bucketCounts: readonly number[] }): boolean {
  const c = b.bucketCounts;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    // false for NaN, negative and infinite counts
    if (!(v >= 0 && v <= Number.MAX_VALUE)) return false;
  }
  return true;
}

/**
 * Exponential histogram point → delta (on the point's scale). `validated` skips the point checks
 * for points a decoder already validated.
 */
export function exponentialStep(
  c: Cursor | undefined,
  p: ExponentialHistogramPoint,
  temporality: 'delta' | 'cumulative',
  horizon: bigint,
  now: number,
  validated = false,
  keep = DEFAULT_DELTA_INTERVALS,
  gap = 0n,
): Step<ExpHistogramDelta> {
  if (!validated && (!validBuckets(p.positive) || !validBuckets(p.negative) || !(p.zeroCount >= 0) || !(p.count >= 0)))
    return { ok: false, reason: 'invalid_point' };
  const sum = p.sum ?? Number.NaN;
  const full: ExpHistogramDelta = {
    count: p.count,
    sum,
    scale: p.scale,
    zeroCount: p.zeroCount,
    zeroThreshold: p.zeroThreshold,
    positive: p.positive,
    negative: p.negative,
    min: p.min,
    max: p.max,
  };
  if (temporality === 'delta') return deltaStep(c, p.startTimeUnixNano, p.timeUnixNano, now, full, keep);
  const order = cumulativeOrder(c, p.startTimeUnixNano, p.timeUnixNano, horizon, gap);
  if (order !== 'full' && order !== 'init' && order !== 'diff' && order !== 'rebase')
    return { ok: false, reason: order };
  const state: ExpHistogramState = {
    kind: 'exponential',
    count: p.count,
    sum,
    scale: p.scale,
    zeroCount: p.zeroCount,
    zeroThreshold: p.zeroThreshold,
    posOffset: p.positive.offset,
    pos: Float64Array.from(p.positive.bucketCounts),
    negOffset: p.negative.offset,
    neg: Float64Array.from(p.negative.bucketCounts),
  };
  const cursor: Cursor = { temporality, start: p.startTimeUnixNano, time: p.timeUnixNano, updatedAt: now, state };
  if (order === 'init' || order === 'rebase') return { ok: true, cursor, partial: partialOf(order) };
  if (order === 'full') return { ok: true, delta: full, cursor };
  const prev = c!.state;
  if (
    prev === undefined ||
    prev.kind !== 'exponential' ||
    p.scale > prev.scale ||
    p.zeroThreshold !== prev.zeroThreshold
  ) {
    return { ok: false, reason: 'boundaries_changed', cursor };
  }
  // point − previous state, the state first brought to the point's scale (exact: the sender
  // lowered its scale by merging the same buckets); a decrease anywhere is a reset (full delta)
  const d = subtractExponential(full, {
    scale: prev.scale,
    zeroCount: prev.zeroCount,
    zeroThreshold: prev.zeroThreshold,
    count: prev.count,
    sum: prev.sum,
    positive: { offset: prev.posOffset, bucketCounts: prev.pos },
    negative: { offset: prev.negOffset, bucketCounts: prev.neg },
  });
  return { ok: true, delta: d ?? full, cursor };
}
