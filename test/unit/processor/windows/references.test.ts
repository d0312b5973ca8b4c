import { describe, expect, it } from 'vitest';
import type { BaselineFile } from '@otel-ml/conventions';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { emptySnapshot, mergeSnapshots } from '../../../../processor/src/windows/snapshot.js';
import type { WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';
import { rollingReference } from '../../../../processor/src/windows/references.js';
import {
  BOUNDS,
  MODEL,
  MODEL_KEY,
  T0,
  exportOf,
  feature,
  histogramMetric,
  hp,
  np,
  resource,
  sumMetric,
} from '../streams/fixtures.js';

const MIN = 60_000;

const baseline: BaselineFile = {
  schemaVersion: 1,
  model: { name: 'churn', version: '3', task: 'binary_classification' },
  createdAt: '2026-01-01T00:00:00Z',
  source: { rows: 100, sha256: '0'.repeat(64) },
  features: {
    age: {
      type: 'numeric',
      boundaries: [0, 20],
      decileBoundaries: [0, 20],
      missing: 2,
      histogram: { boundaries: [0, 20], counts: [10, 60, 28], count: 98, sum: 1500 },
    },
    country: { type: 'categorical', categories: ['DE', 'FR'], counts: { DE: 60, FR: 40 }, missing: 0 },
  },
  prediction: { score: { boundaries: [0.5], counts: [70, 30], count: 100, sum: 35 } },
  outcomes: { regression: { count: 10, absErrorSum: 3, squaredErrorSum: 2 } },
};

/** One window of `rows` predictions and one age observation per row in bucket `b` of BOUNDS. */
function windowData(rows: number, bucket: number, t: number) {
  const counts = [0, 0, 0, 0, 0];
  counts[bucket] = rows;
  return exportOf(
    resource(
      {},
      sumMetric('ml.predictions', 'delta', np(MODEL, t - 1, t, rows)),
      histogramMetric('ml.feature.value', 'delta', hp(feature('age'), t - 1, t, BOUNDS, counts)),
    ),
  );
}

describe('references', () => {
  it('turns the baseline into a snapshot and uses its boundaries as the live layout', () => {
    const clock = { now: T0 };
    const p = StreamProcessor.open({ clock: () => clock.now, windows: { lengthMs: MIN, minRows: 1 } });
    p.setBaseline(baseline);
    const ref = p.references(MODEL_KEY).baseline!;
    expect(ref).toMatchObject({ rows: 100, task: 'binary_classification' });
    expect(ref.features.age).toEqual({
      histogram: baseline.features.age!.type === 'numeric' ? baseline.features.age!.histogram : undefined,
      missing: 2,
    });
    expect(ref.features.country!.categories).toEqual({ DE: 60, FR: 40 });
    expect(ref.outcomes.absoluteError).toMatchObject({ count: 10, sum: 3 });
    // live points on other edges are re-binned onto the baseline's [0, 20]
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric(
            'ml.feature.value',
            'delta',
            hp(feature('age'), T0, T0 + 1, BOUNDS, [1, 2, 3, 0, 0], { min: -1, max: 19 }),
          ),
        ),
      ),
    );
    expect(p.openWindows()[0]!.features.age!.histogram).toMatchObject({ boundaries: [0, 20], counts: [1, 5, 0] });
    // a baseline for another version does not apply
    expect(p.references(JSON.stringify(['churn', '4', 'primary', ''])).baseline).toBeUndefined();
    p.close();
  });

  it('a baseline loaded mid-window applies its boundaries from the next window on', () => {
    const clock = { now: T0 };
    const p = StreamProcessor.open({ clock: () => clock.now, windows: { lengthMs: MIN, minRows: 1 } });
    const live = (t: number) =>
      exportOf(
        resource(
          {},
          histogramMetric(
            'ml.feature.value',
            'delta',
            hp(feature('age'), t - 1, t, BOUNDS, [1, 1, 1, 0, 0], { min: -1, max: 19 }),
          ),
        ),
      );
    p.ingest(live(T0 + 1));
    p.setBaseline(baseline);
    p.ingest(live(T0 + 2));
    expect(p.openWindows()[0]!.features.age!.histogram).toMatchObject({ boundaries: BOUNDS, counts: [2, 2, 2, 0, 0] });
    clock.now = T0 + MIN;
    const [closed] = p.closeDueWindows();
    expect(closed!.features.age!.histogram!.boundaries).toEqual(BOUNDS);
    p.ingest(live(T0 + MIN + 1));
    expect(p.openWindows()[0]!.features.age!.histogram).toMatchObject({ boundaries: [0, 20], counts: [1, 2, 0] });
    p.close();
  });

  it('pins a chosen past window and merges the last K windows into the rolling reference on its schedule', () => {
    const clock = { now: T0 };
    const p = StreamProcessor.open({
      clock: () => clock.now,
      windows: { lengthMs: MIN, minRows: 10, maxExtensions: 0 },
      references: { rollingWindows: 2, rollingRefreshMs: 2 * MIN },
    });
    const closed = [];
    const rollingRows: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      clock.now = T0 + i * MIN + 1;
      p.ingest(windowData(10 * (i + 1), i, clock.now));
      clock.now = T0 + (i + 1) * MIN;
      closed.push(...p.closeDueWindows());
      rollingRows.push(p.references(MODEL_KEY).rolling?.rows);
    }
    expect(rollingRows).toEqual([undefined, 10, 10, 50]);
    expect(closed.map((s) => s.rows)).toEqual([10, 20, 30, 40]);
    expect(p.results.history(MODEL_KEY).map((s) => s.rows)).toEqual([10, 20, 30, 40]);
    // computed from the windows before the closing one: at window 2 ([w1]), not at window 3
    // (1 minute later), again at window 4 (last two before it: w2, w3)
    const rolling = p.references(MODEL_KEY).rolling!;
    expect(rolling.rows).toBe(50);
    expect(rolling.features.age!.histogram!.counts).toEqual([0, 20, 30, 0, 0]);
    expect([rolling.start, rolling.end]).toEqual([T0 + MIN, T0 + 3 * MIN]);
    p.pinReference(MODEL_KEY, closed[0]!);
    expect(p.references(MODEL_KEY).pinned).toEqual(closed[0]);
    p.unpinReference(MODEL_KEY);
    expect(p.references(MODEL_KEY).pinned).toBeUndefined();
    p.close();
  });

  it('leaves windows short of minRows out of the rolling reference', () => {
    expect(mergeSnapshots([])).toBeUndefined();
    const base = emptySnapshot('m', { name: 'm', version: '', role: 'primary', resource: {} }, 0, 0);
    const hist: WindowSnapshot[] = [
      { ...base, rows: 5, belowMinRows: true, end: 1 },
      { ...base, rows: 60, end: 2, predictions: { rows: 60, byClass: { a: 60 }, errors: {} } },
      { ...base, rows: 70, end: 3, predictions: { rows: 70, byClass: { a: 20, b: 50 }, errors: {} } },
    ];
    const r = rollingReference(hist, 5)!;
    expect(r.rows).toBe(130);
    expect(r.predictions.byClass).toEqual({ a: 80, b: 50 });
    expect(rollingReference(hist, 1)!.rows).toBe(70);
  });
});
