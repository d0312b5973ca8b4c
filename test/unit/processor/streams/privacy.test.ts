/** Noisy series (differential privacy on in the instrumentation): the negative parts are subtracted, nothing is taken for a reset. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { carryNegative, effectiveCount } from '../../../../processor/src/statistics/noisy-counts.js';
import { nonNegativeSnapshot, statisticalView } from '../../../../processor/src/windows/noisy.js';
import { emptySnapshot } from '../../../../processor/src/windows/snapshot.js';
import {
  BOUNDS,
  MODEL,
  MODEL_KEY,
  T0,
  expHistogramMetric,
  exportOf,
  feature,
  histogramMetric,
  hp,
  np,
  ns,
  resource,
  sumMetric,
} from './fixtures.js';

const NEG = { 'ml.privacy.part': 'negative' };

function processor() {
  const clock = { now: T0 };
  const p = StreamProcessor.open({ clock: () => clock.now, windows: { lengthMs: 60_000, minRows: 1 } });
  return { p, clock };
}

const instance = (...metrics: Parameters<typeof resource>[1][]) =>
  resource({ 'service.name': 'api', 'service.instance.id': 'a' }, ...metrics);

describe('noisy series', () => {
  it('subtracts the negative parts of a cumulative noisy histogram and counter from the same slot, without a reset', () => {
    const { p, clock } = processor();
    const s = T0 + 1;
    const age = (time: number, counts: number[], extra = {}) =>
      histogramMetric(
        'ml.feature.value',
        'cumulative',
        hp(feature('age', extra), s, time, BOUNDS, counts, { sum: undefined }),
      );
    const rows = (time: number, v: number, extra = {}) =>
      sumMetric('ml.predictions', 'cumulative', np({ ...MODEL, ...extra }, s, time, v));
    // export 1: positive parts only; export 2: the negative companions appear; export 3: both grow
    p.ingest(exportOf(instance(age(T0 + 100, [5, 3, 0, 0, 1]), rows(T0 + 100, 9))));
    p.ingest(
      exportOf(
        instance(
          age(T0 + 200, [5, 4, 0, 0, 1]),
          age(T0 + 200, [0, 0, 2, 0, 1], NEG),
          rows(T0 + 200, 9),
          rows(T0 + 200, 3, NEG),
        ),
      ),
    );
    p.ingest(
      exportOf(
        instance(
          age(T0 + 300, [6, 4, 0, 0, 1]),
          age(T0 + 300, [0, 0, 3, 1, 1], NEG),
          rows(T0 + 300, 10),
          rows(T0 + 300, 4, NEG),
        ),
      ),
    );
    clock.now = T0 + 60_000;
    const [w] = p.closeDueWindows();
    expect(w!.modelKey).toBe(MODEL_KEY);
    expect(w!.features.age!.histogram!.counts).toEqual([6, 4, -3, -1, 0]);
    expect(w!.features.age!.histogram!.count).toBe(6);
    expect(w!.rows).toBe(6);
    expect(p.stats().droppedPoints.invalid_point ?? 0).toBe(0);
    // what the statistics see: no negative count (deficits carried into the neighbours, the total kept); the window's row count stays the unbiased one
    const clean = nonNegativeSnapshot(w!);
    expect(clean.features.age!.histogram!.counts).toEqual([6, 0, 0, 0, 0]);
    expect(clean.features.age!.histogram!.count).toBe(6);
    expect(clean.rows).toBe(6);
    expect(nonNegativeSnapshot(clean)).toBe(clean);
    p.close();
  });

  it('subtracts delta negative parts too', () => {
    const { p, clock } = processor();
    const age = (start: number, time: number, counts: number[], extra = {}) =>
      histogramMetric(
        'ml.feature.value',
        'delta',
        hp(feature('age', extra), start, time, BOUNDS, counts, { sum: undefined }),
      );
    p.ingest(exportOf(instance(age(T0, T0 + 100, [2, 0, 1, 0, 0]), age(T0, T0 + 100, [0, 1, 0, 0, 2], NEG))));
    p.ingest(
      exportOf(instance(age(T0 + 100, T0 + 200, [0, 0, 3, 0, 0]), age(T0 + 100, T0 + 200, [1, 0, 0, 0, 0], NEG))),
    );
    clock.now = T0 + 60_000;
    const [w] = p.closeDueWindows();
    expect(w!.features.age!.histogram!.counts).toEqual([1, -1, 4, 0, -2]);
    p.close();
  });

  it('keeps negative window counts (explicit, exponential, counter) across a restart of the processor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-privacy-'));
    try {
      const path = join(dir, 'state.db');
      const clock = { now: T0 };
      const opts = { path, clock: () => clock.now, windows: { lengthMs: 60_000, minRows: 1 } };
      const age = (counts: number[], extra = {}) =>
        histogramMetric(
          'ml.feature.value',
          'delta',
          hp(feature('age', extra), T0, T0 + 100, BOUNDS, counts, { sum: undefined }),
        );
      const amount = (zero: number, counts: number[], extra = {}) =>
        expHistogramMetric('ml.feature.value', 'delta', {
          attributes: feature('amount', extra),
          startTimeUnixNano: ns(T0),
          timeUnixNano: ns(T0 + 100),
          flags: 0,
          count: zero + counts.reduce((a, c) => a + c, 0),
          scale: 0,
          zeroCount: zero,
          zeroThreshold: 0,
          positive: { offset: 3, bucketCounts: counts },
          negative: { offset: 0, bucketCounts: [] },
        });
      const rows = (v: number, extra = {}) =>
        sumMetric('ml.predictions', 'delta', np({ ...MODEL, ...extra }, T0, T0 + 100, v));
      const p = StreamProcessor.open(opts);
      p.ingest(
        exportOf(
          instance(
            age([3, 0, 1, 0, 0]),
            age([0, 2, 0, 0, 0], NEG),
            amount(0, [4, 0, 1]),
            amount(1, [0, 3, 0], NEG),
            rows(5),
            rows(2, NEG),
          ),
        ),
      );
      p.close();
      const q = StreamProcessor.open(opts);
      clock.now = T0 + 60_000;
      const [w] = q.closeDueWindows();
      expect(w!.features.age!.histogram!.counts).toEqual([3, -2, 1, 0, 0]);
      const e = w!.features.amount!.exponential!;
      expect([e.zeroCount, ...e.positive.bucketCounts]).toEqual([-1, 4, -3, 1]);
      expect(w!.rows).toBe(3);
      q.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries deficits into the neighbouring buckets: non-negative, the same total, wide ranges keep their mass', () => {
    expect(carryNegative([3, -1, 2, 0, -2, 5])).toEqual([3, 0, 1, 0, 0, 3]);
    // a deficit left at the right end is taken from the last buckets
    expect(carryNegative([4, 2, -1, -3])).toEqual([2, 0, 0, 0]);
    // a window whose noisy total is not positive holds nothing
    expect(carryNegative([1, -2, 0])).toEqual([0, 0, 0]);
    // clamping each bucket would have kept 3 + 2 + 5 = 10 of a total of 7
    expect(carryNegative([3, -1, 2, 0, -2, 5]).reduce((a, c) => a + c, 0)).toBe(7);
  });

  it('weighs a noisy distribution as fewer rows: n^2 / (n + 1.5 G v)', () => {
    expect(effectiveCount(1000, 10, 0)).toBe(1000);
    expect(effectiveCount(1000, 10, 100)).toBeCloseTo(1e6 / 2500, 9);
    expect(effectiveCount(0, 10, 100)).toBe(0);
  });
});

describe('statisticalView', () => {
  const window = (noiseVariance?: number) => {
    const s = emptySnapshot('m', { name: 'churn', version: '3', role: 'primary', resource: {} }, T0, T0 + 60_000);
    s.features.age = {
      missing: 100,
      histogram: { boundaries: [0, 10, 20, 30], counts: [200, 300, 250, 150, 100], count: 1000, sum: Number.NaN },
    };
    s.features.country = { missing: 0, categories: { DE: 600, FR: 400 } };
    s.outcomes.confusion = { '1': { '1': 400, '0': 100 }, '0': { '0': 450, '1': 50 } };
    s.outcomes.matched = 1000;
    s.rows = 1100;
    return noiseVariance === undefined ? s : { ...s, noiseVariance };
  };

  it('returns a window without noise unchanged', () => {
    const s = window();
    expect(statisticalView(s)).toBe(s);
  });

  it('scales the distributions of a noisy window to their effective size, keeping shares and the row count', () => {
    const v = 200;
    const out = statisticalView(window(v));
    // 5 buckets: 1000^2 / (1000 + 1.5 x 5 x 200) = 400 rows
    expect(out.features.age!.histogram!.counts).toEqual([80, 120, 100, 60, 40]);
    expect(out.features.age!.histogram!.count).toBe(400);
    // missing values are a share of the same rows: 100 x 0.4
    expect(out.features.age!.missing).toBe(40);
    // 2 categories: 1000^2 / (1000 + 600) = 625
    expect(out.features.country!.categories).toEqual({ DE: 375, FR: 250 });
    // the confusion matrix is one distribution over 4 cells: 1000^2 / (1000 + 1200) = 454.5
    const f = 1000 / 2200;
    expect(out.outcomes.confusion).toEqual({
      '1': { '1': Math.round(400 * f), '0': Math.round(100 * f) },
      '0': { '0': Math.round(450 * f), '1': Math.round(50 * f) },
    });
    expect(out.outcomes.matched).toBe(Math.round(1000 * f));
    expect(out.rows).toBe(1100);
  });
});
