import type { ExplicitHistogram } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import {
  StatisticsInputError,
  binnedDrift,
  chiSquareTest,
  hellingerDistance,
  histogramFromValues,
  jensenShannonDistance,
  klDivergence,
  ksTest,
  missingRate,
  missingnessShift,
  numericDrift,
  psi,
  referenceBoundaries,
  smoothedProportions,
  wassersteinDistance,
} from '../../../../processor/src/statistics/index.js';

const EPS = 1e-4;

describe('empty bins and zero counts', () => {
  it('applies the documented smoothing to PSI and KL and none to JS/Hellinger', () => {
    const p = [50, 50, 0];
    const q = [25, 25, 50];
    const ps = [0.5, 0.5, 0].map((x) => (x + EPS) / (1 + 3 * EPS));
    const qs = [0.25, 0.25, 0.5].map((x) => (x + EPS) / (1 + 3 * EPS));
    expect(Array.from(smoothedProportions(p))).toEqual(ps);
    const exactPsi = ps.reduce((s, a, i) => s + (qs[i]! - a) * Math.log(qs[i]! / a), 0);
    const exactKl = ps.reduce((s, a, i) => s + a * Math.log(a / qs[i]!), 0);
    expect(psi(p, q)).toBeCloseTo(exactPsi, 12);
    expect(klDivergence(p, q)).toBeCloseTo(exactKl, 12);
    expect(Number.isFinite(psi(p, q))).toBe(true);
    // JS: m = (0.375, 0.375, 0.25)
    const js = Math.sqrt(
      (0.5 * Math.log(0.5 / 0.375) * 2 + 0.25 * Math.log(0.25 / 0.375) * 2 + 0.5 * Math.log(0.5 / 0.25)) / 2,
    );
    expect(jensenShannonDistance(p, q)).toBeCloseTo(js, 12);
    expect(hellingerDistance(p, q)).toBeCloseTo(Math.sqrt(1 - 2 * Math.sqrt(0.125)), 12);
    expect(psi(p, q, 1e-3)).toBeLessThan(psi(p, q));
  });

  it('is zero for identical distributions and maximal for disjoint ones', () => {
    expect(binnedDrift([1, 2, 3], [2, 4, 6])).toMatchObject({ psi: 0, kl: 0, jensenShannon: 0, hellinger: 0 });
    const d = binnedDrift([10, 0], [0, 10]);
    expect(d.jensenShannon).toBeCloseTo(Math.sqrt(Math.log(2)), 12);
    expect(d.hellinger).toBeCloseTo(1, 12);
    expect(d.chiSquare.dof).toBe(1);
  });

  it('drops all-zero columns from the chi-square test', () => {
    expect(chiSquareTest([10, 0, 10], [5, 0, 15]).dof).toBe(1);
    expect(chiSquareTest([10, 0], [5, 0])).toEqual({ statistic: 0, dof: 0, pValue: 1 });
  });

  it('handles a single bucket', () => {
    expect(binnedDrift([7], [3])).toMatchObject({ psi: 0, jensenShannon: 0, chiSquare: { dof: 0, pValue: 1 } });
    const a = histogramFromValues([1, 2, 3], []);
    const b = histogramFromValues([2, 3, 4], []);
    expect(ksTest(a, b).statistic).toBe(0);
    // one bucket spread uniformly over [min, max]: [1,3] vs [2,4] -> W1 = 1
    expect(wassersteinDistance(a, b)).toBeCloseTo(1, 12);
  });
});

describe('invalid input is rejected with a reason', () => {
  it('NaN, Infinity and negative counts', () => {
    expect(() => psi([1, NaN], [1, 1])).toThrow(/reference: count 1 is negative or not finite/);
    expect(() => psi([1, 1], [1, Infinity])).toThrow(/current: count 1/);
    expect(() => chiSquareTest([1, -1], [1, 1])).toThrow(StatisticsInputError);
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(/reference counts add up to 0/);
    expect(() => hellingerDistance([1, 1], [0, 0])).toThrow(/current counts add up to 0/);
  });

  it('mismatched bins and boundaries', () => {
    expect(() => psi([1, 2, 3], [1, 2])).toThrow(/mismatched bins: reference has 3 bins, current has 2/);
    const a = histogramFromValues([1, 2, 3], [1.5, 2.5]);
    const b = histogramFromValues([1, 2, 3], [1.5, 2.6]);
    expect(() => ksTest(a, b)).toThrow(/mismatched boundaries: boundary 1 is 2.5 in the reference and 2.6/);
    expect(() => wassersteinDistance(a, histogramFromValues([1], [1]))).toThrow(/mismatched boundaries/);
    expect(() => ksTest(a, histogramFromValues([], [1.5, 2.5]))).toThrow(/current histogram is empty/);
    const bad: ExplicitHistogram = { boundaries: [1, 2], counts: [1, 2], count: 3, sum: 0 };
    expect(() => ksTest(bad, a)).toThrow(/counts for 2 boundaries/);
    expect(() => numericDrift(a, a, [2])).toThrow(/coarse boundary 2 is not/);
  });
});

describe('KS and Wasserstein on simple histograms', () => {
  it('KS takes the largest CDF gap at the boundaries; its p-value uses n m / (n + m)', () => {
    const a: ExplicitHistogram = { boundaries: [1, 2], counts: [5, 5, 0], count: 10, sum: NaN, min: 0, max: 2 };
    const b: ExplicitHistogram = { boundaries: [1, 2], counts: [0, 5, 5], count: 10, sum: NaN, min: 1, max: 3 };
    const r = ksTest(a, b);
    expect(r.statistic).toBe(0.5);
    expect(r.effectiveSampleSize).toBe(5);
  });

  it('Wasserstein of a shifted uniform histogram is the shift', () => {
    const bounds = [1, 2, 3, 4];
    const a: ExplicitHistogram = {
      boundaries: bounds,
      counts: [10, 10, 10, 10, 0],
      count: 40,
      sum: NaN,
      min: 0,
      max: 4,
    };
    const b: ExplicitHistogram = {
      boundaries: bounds,
      counts: [0, 10, 10, 10, 10],
      count: 40,
      sum: NaN,
      min: 1,
      max: 5,
    };
    expect(wassersteinDistance(a, b)).toBeCloseTo(1, 12);
    expect(wassersteinDistance(b, a)).toBeCloseTo(1, 12);
    expect(wassersteinDistance(a, a)).toBe(0);
  });

  it('numericDrift bundles decile statistics, KS, Wasserstein and critical values', () => {
    const ref = Array.from({ length: 500 }, (_, i) => i / 10);
    const cur = ref.map((v) => v + 5);
    const rb = referenceBoundaries(ref);
    const d = numericDrift(
      histogramFromValues(ref, rb.boundaries),
      histogramFromValues(cur, rb.boundaries),
      rb.decileBoundaries,
    );
    expect(d.binned.bins).toBe(10);
    expect(d.pValue).toBe(d.binned.chiSquare.pValue);
    expect(d.ks.statistic).toBeCloseTo(0.1, 2);
    expect(d.wasserstein).toBeCloseTo(5, 0);
    expect(d.critical.psi).toBeGreaterThan(0);
  });
});

describe('missingness', () => {
  it('rate and shift test', () => {
    expect(missingRate(5, 95)).toBe(0.05);
    expect(() => missingRate(0, 0)).toThrow(/no rows/);
    expect(() => missingRate(NaN, 3)).toThrow(/not finite/);
    const m = missingnessShift(50, 950, 30, 70);
    expect(m.referenceRate).toBe(0.05);
    expect(m.currentRate).toBe(0.3);
    expect(m.difference).toBeCloseTo(0.25, 12);
    expect(m.test.dof).toBe(1);
    expect(m.test.pValue).toBeLessThan(1e-6);
  });
});
