/** Deterministic delta batches of the kill-during-evaluation test (shared by test and child). */
import type { MetricsExport } from '../../../processor/src/otlp/model.js';
import { exportOf, histogramMetric, hp, resource, sumMetric, np } from '../../unit/processor/streams/fixtures.js';

export const EVAL_T0 = Date.UTC(2026, 0, 1);
export const EVAL_WINDOW = 60_000;
export const EVAL_MODELS = 12;
export const EVAL_FEATURES = 20;
const BOUNDS = [0, 10, 20, 30];

/** Values of one feature of one model in batch k. */
export const valuesPerFeature = (k: number): number => 15 * (1 + (k % 3));

/** Batch k: every model's features (delta histograms) and predictions over round k's interval. */
export function evalBatch(k: number): MetricsExport {
  const start = EVAL_T0 + k * EVAL_WINDOW;
  const end = start + 1;
  const m = 1 + (k % 3);
  return exportOf(
    ...Array.from({ length: EVAL_MODELS }, (_, i) => {
      const model = { 'ml.model.name': `m${i}`, 'ml.model.version': '1', 'ml.model.task': 'regression' };
      // drift in some features from round 4 on, so that reports carry detections
      const shift = k >= 4 && i % 2 === 0 ? 1 : 0;
      return resource(
        {},
        histogramMetric(
          'ml.feature.value',
          'delta',
          ...Array.from({ length: EVAL_FEATURES }, (_, f) =>
            hp(
              { ...model, 'ml.feature.name': `f${f}` },
              start,
              end,
              BOUNDS,
              f % 5 === 0 && shift ? [5 * m, 4 * m, 3 * m, 2 * m, 1 * m] : [1 * m, 2 * m, 3 * m, 4 * m, 5 * m],
            ),
          ),
        ),
        sumMetric('ml.predictions', 'delta', np(model, start, end, 15 * m)),
      );
    }),
  );
}
