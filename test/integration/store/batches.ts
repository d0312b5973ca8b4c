/**
 * Deterministic export batches shared by the durability tests and their child process.
 * Batch i carries, for each of INSTANCES sender resources and FEATURES features, the cumulative
 * ml.feature.value histogram after i+1 exports (bucket j holds (i+1)·(j+1), so count (i+1)·15),
 * the same counts as a cumulative exponential histogram of feature EXPONENTIAL_FEATURE (at scale
 * 3 until batch RESCALE_AT, then lowered to 2, as a sender lowers its scale when values widen),
 * and a delta ml.predictions point of 1 row per instance.
 */
import type { ExponentialHistogramPoint, MetricsExport } from '../../../processor/src/otlp/model.js';
import {
  expHistogramMetric,
  exportOf,
  feature,
  histogramMetric,
  hp,
  MODEL,
  np,
  ns,
  resource,
  sumMetric,
  T0,
} from '../../unit/processor/streams/fixtures.js';

export const EXPONENTIAL_FEATURE = 'e';
export const RESCALE_AT = 50;

function exponentialPoint(i: number, t: number): ExponentialHistogramPoint {
  const k = i + 1;
  // scale 3: indices 8..12 hold 1..5 (x k); at scale 2 the same values sit in indices 4, 5, 6
  const [scale, offset, counts] = i < RESCALE_AT ? [3, 8, [1, 2, 3, 4, 5]] : [2, 4, [3, 7, 5]];
  return {
    attributes: feature(EXPONENTIAL_FEATURE),
    startTimeUnixNano: ns(T0 + 1),
    timeUnixNano: ns(t),
    flags: 0,
    count: 15 * k,
    sum: 30 * k,
    scale,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset, bucketCounts: counts.map((c) => c * k) },
    negative: { offset: 0, bucketCounts: [] },
  };
}

export const INSTANCES = 4;
export const FEATURES = 25;
export const BOUNDS = [0, 1, 2, 3];
/** The child's fixed wall clock: every batch lands in one open window. */
export const CHILD_CLOCK = T0;

/** Total count of one cumulative stream after batches 0..k. */
export const streamCount = (k: number): number => (k + 1) * 15;

export function batch(i: number): MetricsExport {
  const t = T0 + 1000 * (i + 1);
  return exportOf(
    ...Array.from({ length: INSTANCES }, (_, inst) =>
      resource(
        { 'service.name': 'scorer', 'service.instance.id': `i${inst}` },
        histogramMetric(
          'ml.feature.value',
          'cumulative',
          ...Array.from({ length: FEATURES }, (_, f) =>
            hp(
              feature(`f${f}`),
              T0 + 1,
              t,
              BOUNDS,
              [1, 2, 3, 4, 5].map((x) => x * (i + 1)),
            ),
          ),
        ),
        expHistogramMetric('ml.feature.value', 'cumulative', exponentialPoint(i, t)),
        sumMetric('ml.predictions', 'delta', np(MODEL, t - 1000, t, 1)),
      ),
    ),
  );
}
