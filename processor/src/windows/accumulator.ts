/**
 * Window accumulators: the running sums of deltas for one model in one window, as a flat map of
 * slots (see `streams/signals.ts` for slot keys). Counters add values; histograms add bucket
 * counts on identical boundaries (the caller re-bins or refuses anything else first);
 * exponential slots merge exponential histograms at their common scale within
 * {@link SLOT_EXPONENTIAL_BUCKETS} buckets per sign.
 *
 * Explicit and exponential points of the same numeric feature (an old service version beside a
 * new one) are both kept: the explicit ones in the feature's histogram slot (on its layout), the
 * exponential ones in a slot of their own (key marked by `exponentialSlotKey`). Which of the two
 * a window is compared on is the evaluation's rule (`analysis/numeric-pair.ts`).
 */
import { ExponentialAccumulator, type ExponentialHistogram } from '@otel-ml/conventions';
import type { ModelIdentity, SlotId } from '../model/signals.js';

/**
 * Bucket budget per sign of exponential slots and of the merges of their snapshots (references):
 * twice the instrumentation's default (320), so that two senders whose ranges overlap only in
 * part merge without losing a scale step (each step halves the resolution), while a slot row
 * stays under 16 KB (in practice 1-2 bytes per bucket).
 */
export const SLOT_EXPONENTIAL_BUCKETS = 640;

export interface CounterSlot {
  readonly kind: 'counter';
  readonly key: string;
  readonly id: SlotId;
  value: number;
}

export interface HistogramSlot {
  readonly kind: 'histogram';
  readonly key: string;
  readonly id: SlotId;
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
  count: number;
  /** NaN once any added delta had an unknown sum. */
  sum: number;
  min?: number;
  max?: number;
}

/** A base-2 exponential histogram slot: the merge of the exponential deltas of a numeric feature. */
export interface ExponentialSlot {
  readonly kind: 'exponential';
  readonly key: string;
  readonly id: SlotId;
  readonly histogram: ExponentialAccumulator;
}

export type Slot = CounterSlot | HistogramSlot | ExponentialSlot;

/** One open (still accumulating) window of one model. Times are processor wall-clock ms. */
export interface OpenWindow {
  readonly modelKey: string;
  readonly model: ModelIdentity;
  /** ml.model.task as last reported by the points ('' when never). */
  task: string;
  readonly start: number;
  end: number;
  /** How many times the window was extended for lack of rows. */
  extensions: number;
  readonly slots: Map<string, Slot>;
  /**
   * Why the window lacks part of its streams' data, sorted (see `streams/delta.ts`: 'joined',
   * 'resumed'); absent when complete as far as the processor can tell.
   */
  partial?: readonly string[];
}

export function counterSlot(key: string, id: SlotId, value = 0): CounterSlot {
  return { kind: 'counter', key, id, value };
}

export function histogramSlot(key: string, id: SlotId, bounds: readonly number[]): HistogramSlot {
  return { kind: 'histogram', key, id, bounds, counts: new Float64Array(bounds.length + 1), count: 0, sum: 0 };
}

export function exponentialSlot(
  key: string,
  id: SlotId,
  histogram: ExponentialAccumulator = new ExponentialAccumulator(SLOT_EXPONENTIAL_BUCKETS),
): ExponentialSlot {
  return { kind: 'exponential', key, id, histogram };
}

/**
 * The merge of two exponential histograms as a slot would merge them (common scale, then lowered
 * until each sign fits {@link SLOT_EXPONENTIAL_BUCKETS}; the wider zero threshold wins): what
 * snapshots and references use.
 */
export function mergeExponentialSlots(
  a: ExponentialHistogram | undefined,
  b: ExponentialHistogram | undefined,
): ExponentialHistogram | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const acc = new ExponentialAccumulator(SLOT_EXPONENTIAL_BUCKETS);
  acc.add(a);
  acc.add(b);
  return acc.histogram();
}

/** Histogram delta on the slot's boundaries. */
export interface BucketDelta {
  readonly count: number;
  readonly sum: number;
  readonly counts: ArrayLike<number>;
  readonly min?: number;
  readonly max?: number;
}

/** Adds `d` to `slot` (same boundaries, `d.counts.length === slot.counts.length`). */
export function addToHistogram(slot: HistogramSlot, d: BucketDelta): void {
  const c = slot.counts;
  const dc = d.counts;
  const n = c.length;
  if (dc.length !== n) throw new RangeError(`bucket count mismatch: ${dc.length} vs ${n}`);
  for (let i = 0; i < n; i++) c[i] += dc[i]!;
  const wasEmpty = slot.count === 0;
  slot.count += d.count;
  slot.sum += d.sum;
  if (d.count > 0) {
    // min/max stay known only while every non-empty delta reported them.
    if (wasEmpty) {
      slot.min = d.min;
      slot.max = d.max;
    } else {
      slot.min = slot.min === undefined || d.min === undefined ? undefined : Math.min(slot.min, d.min);
      slot.max = slot.max === undefined || d.max === undefined ? undefined : Math.max(slot.max, d.max);
    }
  }
}

/** Equal boundaries, up to a relative tolerance of 1e-12 (text round trips of the same values). */
export function boundsEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && Math.abs(x - y) > 1e-12 * Math.max(Math.abs(x), Math.abs(y))) return false;
  }
  return true;
}
