import { METRIC_ML_OUTCOME_SCORE_BUCKETS, bucketIndex } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import {
  binaryMetricsAtThreshold,
  calibrationMap,
  estimatePerformance,
  isotonicFit,
  rocAuc,
  seededUniform,
  StatisticsInputError,
  type LabelSplitScores,
} from '../../../../processor/src/statistics/index.js';

describe('isotonicFit', () => {
  it('pools adjacent violators with weights', () => {
    expect(isotonicFit([0.1, 0.3, 0.2, 0.5], [1, 1, 1, 1])).toEqual([0.1, 0.25, 0.25, 0.5]);
    expect(isotonicFit([0.5, 0.1], [1, 3])).toEqual([0.2, 0.2]);
    for (const v of isotonicFit([0.9, 0.5, 0.1], [1, 1, 2])) expect(v).toBeCloseTo(0.4, 12);
    expect(isotonicFit([0.1, 0.2], [5, 5])).toEqual([0.1, 0.2]);
  });
});

const ref: LabelSplitScores = { boundaries: [0.25, 0.5, 0.75], positive: [1, 0, 6, 9], negative: [9, 0, 4, 1] };

describe('calibrationMap', () => {
  it('takes observed rates, interpolates empty buckets by midpoint', () => {
    const m = calibrationMap(ref);
    expect(m.probability[0]).toBeCloseTo(0.1, 12);
    expect(m.probability[1]).toBeCloseTo(0.35, 12);
    expect(m.probability[2]).toBeCloseTo(0.6, 12);
    expect(m.probability[3]).toBeCloseTo(0.9, 12);
    expect(m.support).toBe(30);
  });
  it('enforces monotonicity and extends the end values', () => {
    const m = calibrationMap({
      boundaries: [0.2, 0.4, 0.6, 0.8],
      positive: [0, 4, 2, 0, 0],
      negative: [0, 6, 8, 0, 0],
    });
    // rates 0.4 and 0.2 with weight 10 each pool to 0.3; outer empty buckets take the end values.
    expect(m.probability.map((p) => Math.round(p * 1e12) / 1e12)).toEqual([0.3, 0.3, 0.3, 0.3, 0.3]);
  });
  it('throws without outcomes', () => {
    expect(() => calibrationMap({ boundaries: [0.5], positive: [0, 0], negative: [0, 0] })).toThrow(
      StatisticsInputError,
    );
  });
});

describe('estimatePerformance', () => {
  it('expected confusion, metrics, AUC and standard error on a constructed histogram', () => {
    const e = estimatePerformance(calibrationMap(ref), [10, 0, 10, 10], 0.5);
    expect(e.expected.tp).toBeCloseTo(15, 12);
    expect(e.expected.fp).toBeCloseTo(5, 12);
    expect(e.expected.fn).toBeCloseTo(1, 12);
    expect(e.expected.tn).toBeCloseTo(9, 12);
    expect(e.accuracy).toBeCloseTo(0.8, 12);
    expect(e.precision).toBeCloseTo(0.75, 12);
    expect(e.recall).toBeCloseTo(15 / 16, 12);
    expect(e.f1).toBeCloseTo(30 / 36, 12);
    expect(e.rocAuc!).toBeCloseTo(192 / 224, 12);
    expect(e.accuracyStdError).toBeCloseTo(Math.sqrt(4.2) / 30, 12);
    expect(e.count).toBe(30);
  });
  it('on the reference itself equals the realized metrics when the rates are monotone', () => {
    const counts = ref.positive.map((p, i) => p + ref.negative[i]!);
    const e = estimatePerformance(calibrationMap(ref), counts, 0.5);
    const m = binaryMetricsAtThreshold(ref, 0.5);
    expect(e.accuracy).toBeCloseTo(m.accuracy, 12);
    expect(e.f1).toBeCloseTo(m.f1, 12);
    expect(e.rocAuc!).toBeCloseTo(rocAuc(ref), 12);
  });
  it('rejects mismatched buckets, empty windows and thresholds off the boundaries', () => {
    const m = calibrationMap(ref);
    expect(() => estimatePerformance(m, [1, 2, 3])).toThrow(/mismatched/);
    expect(() => estimatePerformance(m, [0, 0, 0, 0])).toThrow(/empty/);
    expect(() => estimatePerformance(m, [1, 1, 1, 1], 0.3)).toThrow(/not a score boundary/);
  });
  it('gives null AUC when every row is expected to be of one label', () => {
    const m = calibrationMap({ boundaries: [0.5], positive: [0, 0], negative: [5, 5] });
    expect(estimatePerformance(m, [3, 4]).rocAuc).toBeNull();
  });
});

/** A calibrated model under covariate shift: score s, label ~ Bernoulli(s). */
function sample(n: number, seed: number, skew: number): LabelSplitScores {
  const B = METRIC_ML_OUTCOME_SCORE_BUCKETS;
  const u = seededUniform(seed);
  const positive = new Array<number>(B.length + 1).fill(0);
  const negative = new Array<number>(B.length + 1).fill(0);
  for (let i = 0; i < n; i++) {
    const s = Math.min(0.999, Math.max(0.001, u() ** skew));
    const k = bucketIndex(B, s);
    if (u() < s) positive[k]! += 1;
    else negative[k]! += 1;
  }
  return { boundaries: B, positive, negative };
}

describe('CBPE under covariate shift (short simulation; offline vs live in test/unit/processor/analysis/cbpe-offline-live.test.ts)', () => {
  it('estimates accuracy and AUC of a shifted window within 0.02', () => {
    const map = calibrationMap(sample(20_000, 1, 1));
    for (const [seed, skew] of [
      [2, 0.5],
      [3, 2],
      [4, 1],
    ] as const) {
      const cur = sample(5_000, seed, skew);
      const counts = cur.positive.map((p, i) => p + cur.negative[i]!);
      const e = estimatePerformance(map, counts, 0.5);
      expect(Math.abs(e.accuracy - binaryMetricsAtThreshold(cur, 0.5).accuracy)).toBeLessThan(0.02);
      expect(Math.abs(e.rocAuc! - rocAuc(cur))).toBeLessThan(0.02);
    }
  });
});
