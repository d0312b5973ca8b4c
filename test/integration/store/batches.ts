/**
 * Deterministic export batches shared by the durability tests and their child process.
 * Batch i carries, for each of INSTANCES sender resources and FEATURES features, the cumulative
 * ml.feature.value histogram after i+1 exports (bucket j holds (i+1)·(j+1), so count (i+1)·15),
 * and a delta ml.predictions point of 1 row per instance.
 */
import type { MetricsExport } from '../../../processor/src/otlp/model.js';
import { exportOf, feature, histogramMetric, hp, MODEL, np, resource, sumMetric, T0 } from '../../unit/streams/fixtures.js';

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
          ...Array.from({ length: FEATURES }, (_, f) => hp(feature(`f${f}`), T0 + 1, t, BOUNDS, [1, 2, 3, 4, 5].map((x) => x * (i + 1)))),
        ),
        sumMetric('ml.predictions', 'delta', np(MODEL, t - 1000, t, 1)),
      ),
    ),
  );
}
