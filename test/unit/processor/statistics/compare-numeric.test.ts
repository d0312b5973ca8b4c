import { describe, expect, it } from 'vitest';
import {
  exponentialIndex,
  exponentialLowerBound,
  type ExplicitHistogram,
  type ExponentialHistogram,
} from '@otel-ml/conventions';
import {
  StatisticsInputError,
  commonResolution,
  compareNumeric,
  decideDrift,
  exponentialAsExplicit,
  exponentialFromValues,
  histogramFromValues,
  numericDrift,
  referenceBoundaries,
  seededUniform,
} from '../../../../processor/src/statistics/index.js';

/** n values spread evenly over [a, b]. */
const spread = (a: number, b: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => a + ((b - a) * (i + 0.5)) / n);

/** Standard normal variates (Box-Muller on a seeded uniform). */
function normals(seed: number, n: number, mean = 0, sd = 1): number[] {
  const u = seededUniform(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('exponentialFromValues', () => {
  it('lowers the scale from 20 until each sign fits the bucket budget, by the conventions index', () => {
    const values = [...normals(1, 2_000), 0, 0, 0];
    const h = exponentialFromValues(values, { maxBuckets: 160 });
    expect(h.positive.bucketCounts.length).toBeLessThanOrEqual(160);
    expect(h.negative.bucketCounts.length).toBeLessThanOrEqual(160);
    // one scale more would not fit
    const finer = exponentialFromValues(values, { maxBuckets: 160, maxScale: h.scale + 1 });
    expect(finer.scale).toBe(h.scale);
    expect(h.zeroCount).toBe(3);
    expect(h.count).toBe(values.length);
    expect(h.min).toBe(Math.min(...values));
    expect(h.max).toBe(Math.max(...values));
    for (const v of values.slice(0, 50)) {
      if (v === 0) continue;
      const side = v > 0 ? h.positive : h.negative;
      const i = exponentialIndex(Math.abs(v), h.scale);
      expect(side.bucketCounts[i - side.offset]).toBeGreaterThan(0);
      expect(exponentialLowerBound(i, h.scale)).toBeLessThan(Math.abs(v));
      expect(exponentialLowerBound(i + 1, h.scale)).toBeGreaterThanOrEqual(Math.abs(v));
    }
    expect(total(h.positive.bucketCounts) + total(h.negative.bucketCounts) + h.zeroCount).toBe(h.count);
    expect(() => exponentialFromValues([1, NaN])).toThrow(/not finite/);
    expect(exponentialFromValues([]).count).toBe(0);
  });
});

describe('commonResolution', () => {
  const a = exponentialFromValues(normals(2, 3_000), { maxBuckets: 2_048 });
  const b = exponentialFromValues(normals(3, 500, 0.2), { maxBuckets: 160 });

  it('brings two exponential histograms to the lower scale without losing a count', () => {
    const r = commonResolution(a, b);
    if (!r.ok) throw new Error(r.reason);
    const c = r.cells;
    expect(c.kind).toBe('exponential');
    expect(c.scale).toBe(Math.min(a.scale, b.scale));
    expect(total([...c.reference])).toBe(a.count);
    expect(total([...c.current])).toBe(b.count);
    for (let k = 0; k < c.cells; k++) {
      expect(c.lower[k]!).toBeLessThan(c.upper[k]!);
      if (k > 0) expect(c.lower[k]!).toBeGreaterThanOrEqual(c.upper[k - 1]!);
    }
  });

  it('folds buckets below a larger zero threshold into the zero cell', () => {
    const z: ExponentialHistogram = {
      ...exponentialFromValues([1e-9, 2e-9, 3, 4], { maxBuckets: 160 }),
      zeroThreshold: 1e-6,
    };
    const r = commonResolution(z, exponentialFromValues([0, 3, 4]));
    if (!r.ok) throw new Error(r.reason);
    const zero = [...r.cells.lower].findIndex((lo, k) => k < r.cells.cells && lo <= 0 && r.cells.upper[k]! >= 0);
    expect(r.cells.reference[zero]).toBe(2);
    expect(r.cells.current[zero]).toBe(1);
  });

  it('writes an exponential histogram as an explicit one on its own edges, exactly', () => {
    const h = exponentialFromValues([-3, -2.5, 0, 0, 1, 1.5, 8]);
    const e = exponentialAsExplicit(h);
    expect(total(e.counts)).toBe(7);
    expect(e.boundaries).toEqual([...e.boundaries].sort((x, y) => x - y));
    // zeros land in the bucket ending at 0, the positives above it
    const zeroEnd = e.boundaries.indexOf(0);
    expect(e.counts[zeroEnd]).toBe(2);
  });

  it('re-bins the current explicit histogram onto the reference boundaries, and says so', () => {
    const ref = histogramFromValues(normals(4, 1_000), [-2, -1, 0, 1, 2]);
    const cur = histogramFromValues(normals(5, 1_000), [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
    const r = commonResolution(ref, cur);
    if (!r.ok) throw new Error(r.reason);
    expect(r.cells.kind).toBe('explicit');
    expect(r.cells.note).toMatch(/current histogram re-binned onto the reference's 5 boundaries/);
  });

  it('gives the reason when no side can be re-binned onto the other', () => {
    const ref: ExplicitHistogram = { boundaries: [0, 100], counts: [0, 100, 50], count: 150, sum: NaN };
    const cur: ExplicitHistogram = {
      boundaries: [10, 20, 30, 40, 50, 60],
      counts: [10, 10, 10, 10, 10, 10, 40],
      count: 100,
      sum: NaN,
    };
    const r = commonResolution(ref, cur);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(
        /no common resolution \(current onto the reference's boundaries: .* is unknown; reference onto the current's boundaries: .*far coarser/,
      );
  });
});

describe('compareNumeric', () => {
  const ref = normals(6, 5_000);
  const refExp = exponentialFromValues(ref);
  const rb = referenceBoundaries(ref);

  it('keeps the explicit path: same boundaries and baseline deciles give numericDrift exactly', () => {
    const cur = normals(7, 800, 0.3);
    const r = histogramFromValues(ref, rb.boundaries);
    const c = histogramFromValues(cur, rb.boundaries);
    const old = numericDrift(r, c, rb.decileBoundaries);
    const now = compareNumeric(r, c, { decileEdges: rb.decileBoundaries });
    expect(now.status).toBe('ok');
    expect(now.binned).toEqual(old.binned);
    expect(now.referenceBinCounts).toEqual(old.referenceBinCounts);
    expect(now.currentBinCounts).toEqual(old.currentBinCounts);
    expect(now.ks!.statistic).toBeGreaterThanOrEqual(old.ks.statistic);
    expect(now.ks!.statistic).toBeLessThanOrEqual(old.ks.statistic + 0.02);
    expect(now.wasserstein).toBe(old.wasserstein);
    expect(now.critical).toEqual(old.critical);
    // without deciles: the reference's fine boundaries where the cumulative share first reaches k/10
    const own = compareNumeric(r, c);
    expect(own.binEdges).toBe('reference');
    expect(own.bins.map((b) => b.upper).filter((x) => x !== null)).toEqual(rb.decileBoundaries);
  });

  it('cuts exponential histograms at the reference quantiles when no edges are given', () => {
    const r = compareNumeric(refExp, exponentialFromValues(normals(8, 2_000)));
    expect(r.status).toBe('ok');
    expect(r.binEdges).toBe('reference');
    expect(r.bins).toHaveLength(10);
    for (const b of r.bins) expect(b.reference).toBeCloseTo(0.1, 6);
    expect(total(r.bins.map((b) => b.current))).toBeCloseTo(1, 12);
    const five = compareNumeric(refExp, exponentialFromValues(normals(8, 2_000)), { bins: 5 });
    expect(five.bins).toHaveLength(5);
    expect(r.test).toBe('chi_square');
    expect(r.pValue).toBe(r.binned!.chiSquare.pValue);
  });

  it('replaces given edges that do not cut the reference into two bins by its own quantiles', () => {
    const r = compareNumeric(refExp, exponentialFromValues(normals(9, 500)), { decileEdges: [100, 200] });
    expect(r.binEdges).toBe('reference');
    expect(r.bins).toHaveLength(10);
  });

  it('compares mixed inputs on the explicit side boundaries, close to the exponential comparison', () => {
    const cur = normals(10, 3_000, 0.5);
    const both = compareNumeric(refExp, exponentialFromValues(cur), { decileEdges: rb.decileBoundaries });
    const mixed = compareNumeric(refExp, histogramFromValues(cur, rb.boundaries), { decileEdges: rb.decileBoundaries });
    expect(mixed.status).toBe('ok');
    expect(mixed.resolution!.kind).toBe('explicit');
    expect(mixed.resolution!.note).toMatch(/reference histogram re-binned onto the current's 99 boundaries/);
    expect(Math.abs(mixed.ks!.statistic - both.ks!.statistic)).toBeLessThan(0.02);
    expect(mixed.binned!.psi).toBeCloseTo(both.binned!.psi, 1);
    expect(Math.abs(mixed.wasserstein! / both.wasserstein! - 1)).toBeLessThan(0.05);
  });

  it('handles negatives, zero inflation and huge against tiny counts', () => {
    const u = seededUniform(11);
    const rows = Array.from({ length: 4_000 }, () => (u() < 0.5 ? 0 : u() < 0.3 ? -u() * 5 : u() * 10));
    const big = exponentialFromValues(rows);
    // a cumulative reference: every count a million times larger
    const huge: ExponentialHistogram = {
      ...big,
      zeroCount: big.zeroCount * 1e6,
      count: big.count * 1e6,
      positive: { ...big.positive, bucketCounts: big.positive.bucketCounts.map((c) => c * 1e6) },
      negative: { ...big.negative, bucketCounts: big.negative.bucketCounts.map((c) => c * 1e6) },
    };
    const cur = exponentialFromValues(rows.slice(0, 60));
    const r = compareNumeric(huge, cur);
    expect(r.status).toBe('ok');
    expect(total(r.bins.map((b) => b.reference))).toBeCloseTo(1, 9);
    expect(total(r.bins.map((b) => b.current))).toBeCloseTo(1, 9);
    expect(r.ks!.statistic).toBeLessThan(r.critical!.ks);
    expect(r.binned!.chiSquare.pValue).toBeGreaterThan(0.01);
    expect(r.ks!.effectiveSampleSize).toBeCloseTo(60, 3);
  });

  it('says insufficient_resolution with the reason for a constant, a zero-only and a one-bucket reference', () => {
    const constant = compareNumeric(
      exponentialFromValues(Array(100).fill(5)),
      exponentialFromValues(Array(100).fill(5)),
    );
    expect(constant.status).toBe('insufficient_resolution');
    expect(constant.reason).toMatch(/constant \(all 100 values are 5\)/);
    expect(constant.binned).toBeNull();
    expect(constant.test).toBe('ks');
    expect(constant.pValue).toBe(1);
    const zero = compareNumeric(exponentialFromValues(Array(80).fill(0)), exponentialFromValues([0, 0, 1]));
    expect(zero.status).toBe('insufficient_resolution');
    expect(zero.reason).toMatch(/values are 0/);
    const b125 = [0, 1, 2, 5, 10, 20, 50, 100];
    const coarse = compareNumeric(
      histogramFromValues(spread(25, 45, 3_000), b125),
      histogramFromValues(spread(26, 44, 1_000), b125),
    );
    expect(coarse.status).toBe('insufficient_resolution');
    expect(coarse.reason).toMatch(/all 3000 reference values lie in one bucket \(20, 50\]/);
    expect(coarse.ks!.statistic).toBe(0);
  });

  it('flags a complete shift, even inside one bucket (issue: uniform [25, 45] -> [6, 9] on 1-2-5 buckets)', () => {
    const b125 = [0, 1, 2, 5, 10, 20, 50, 100];
    const r = compareNumeric(
      histogramFromValues(spread(25, 45, 3_000), b125),
      histogramFromValues(spread(6, 9, 1_000), b125),
    );
    expect(r.status).toBe('insufficient_resolution');
    expect(r.completeShift).toBe(true);
    expect(r.ks!.statistic).toBe(1);
    const inside = compareNumeric(
      exponentialFromValues(Array(100).fill(5)),
      exponentialFromValues(Array(100).fill(5.001)),
    );
    expect(inside.resolution!.cells).toBeGreaterThanOrEqual(1);
    expect(inside.completeShift).toBe(true);
    expect(inside.ks!.statistic).toBe(1);
    const exp = compareNumeric(
      exponentialFromValues(spread(25, 45, 3_000)),
      exponentialFromValues(spread(6, 9, 1_000)),
    );
    expect(exp.status).toBe('ok');
    expect(exp.completeShift).toBe(true);
    expect(exp.wasserstein).toBeCloseTo(27.5, 1);
  });

  it('says insufficient_data for an empty side, and rejects malformed input', () => {
    const none = compareNumeric(exponentialFromValues([]), refExp);
    expect(none.status).toBe('insufficient_data');
    expect(none.reason).toBe('the reference has no values');
    expect(compareNumeric(refExp, exponentialFromValues([])).reason).toBe('no values in the current window');
    expect(() => compareNumeric({ ...refExp, scale: 21 }, refExp)).toThrow(StatisticsInputError);
    expect(() => compareNumeric({ ...refExp, count: refExp.count + 1 }, refExp)).toThrow(/add up to/);
    expect(() => compareNumeric({ ...refExp, min: 3, max: 1 }, refExp)).toThrow(/min <= max/);
    expect(() => compareNumeric(refExp, refExp, { decileEdges: [1, 0] })).toThrow(/strictly increasing/);
    expect(() => compareNumeric(refExp, refExp, { bins: 1 })).toThrow(/bins/);
    expect(() => compareNumeric(refExp, { ...refExp, positive: { offset: 0, bucketCounts: [-1] } })).toThrow(
      /negative/,
    );
  });
});

describe('the KS fallback decision', () => {
  it('answers drift or insufficient_resolution, never no_drift, when the bins cannot be cut', () => {
    const b125 = [0, 1, 2, 5, 10, 20, 50, 100];
    const ref = histogramFromValues(spread(25, 45, 3_000), b125);
    for (const [cur, verdict, why] of [
      [
        spread(26, 44, 1_000),
        'insufficient_resolution',
        /insufficient resolution: all 3000 reference values.*not significant.*KS 0.000 < 0.1/,
      ],
      [spread(6, 9, 1_000), 'drift', /complete shift/],
      [
        spread(40, 60, 1_000),
        'drift',
        /insufficient resolution: all 3000 reference values.*significant.*KS 0.500 >= 0.1/,
      ],
    ] as const) {
      const r = compareNumeric(ref, histogramFromValues(cur, b125));
      const d = decideDrift({
        pValue: r.pValue,
        ks: r.ks!.statistic,
        currentCount: 1_000,
        insufficientResolution: r.reason,
        completeShift: r.completeShift,
      });
      expect(d.verdict).toBe(verdict);
      expect(d.reasons.join(' | ')).toMatch(why);
    }
  });
});
