/**
 * What the processor remembers of each stream between points: the last accepted cumulative value
 * (cumulative streams) or the counted intervals (delta streams), with the stream's times. Shared
 * by the stream state (streams/delta.ts decides with it) and the store (store/codec.ts encodes it).
 */
import type { CountedIntervals } from './intervals.js';

/** Last accepted cumulative value of a monotonic sum. */
export interface SumState {
  readonly kind: 'sum';
  readonly value: number;
}

/** Last accepted cumulative value of an explicit-bucket histogram. */
export interface HistogramState {
  readonly kind: 'histogram';
  readonly count: number;
  readonly sum: number;
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
  readonly min?: number;
  readonly max?: number;
}

/** Last accepted cumulative value of an exponential histogram. */
export interface ExpHistogramState {
  readonly kind: 'exponential';
  readonly count: number;
  readonly sum: number;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly posOffset: number;
  readonly pos: Float64Array;
  readonly negOffset: number;
  readonly neg: Float64Array;
}

export type CumulativeState = SumState | HistogramState | ExpHistogramState;

/**
 * Per-stream cursor. `state` is kept for cumulative streams only, `counted` for delta streams
 * only (absent in a delta cursor of a state file written before records existed: see
 * {@link CountedIntervals.legacy}).
 */
export interface Cursor {
  readonly temporality: 'delta' | 'cumulative';
  readonly start: bigint;
  readonly time: bigint;
  /** Processor wall time (ms) of the last accepted point, for staleness. */
  readonly updatedAt: number;
  readonly state?: CumulativeState;
  /** The counted intervals of a delta stream; updated in place when a point is accepted. */
  readonly counted?: CountedIntervals;
}
