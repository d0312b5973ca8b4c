/**
 * Welch's t-test (welch.ts), moments of a histogram (histogram-moments.ts), values outside a
 * reference's range (out-of-range.ts) and the business-value verdict (business-verdict.ts) against
 * the fixtures of scripts/oracle/quality_fixtures.py (NumPy, SciPy), their decision rules and
 * their edge cases.
 */
import { describe, expect, it } from 'vitest';
import type { ExplicitHistogram } from '@otel-ml/conventions';
import {
  businessValueTest,
  explicitBucketList,
  explicitBuckets,
  exponentialBuckets,
  histogramMoments,
  outOfRange,
  outOfRangeTest,
  perUnit,
  rangeOf,
  riseTest,
  resolveLimits,
  StatisticsInputError,
  welchTest,
} from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose } from './fixtures.js';

interface Stats {
  mean: number;
  variance: number;
  count: number;
}
interface QualityFixture {
  readonly welch: {
    a: Stats;
    b: Stats;
    alpha: number;
    t: number;
    df: number;
    pLess: number;
    pGreater: number;
    pTwoSided: number;
    interval: [number, number];
  }[];
  readonly moments: {
    name: string;
    histogram: ExplicitHistogram;
    variance: number;
    tolerance: number;
    notBelow?: boolean;
  }[];
  readonly outOfRange: {
    name: string;
    reference: ExplicitHistogram;
    current: ExplicitHistogram;
    below: number;
    above: number;
    pValue: number;
  }[];
}

const fx = loadFixture<QualityFixture>('quality.json');

describe("Welch's t-test", () => {
  for (const c of fx.welch) {
    it(`matches scipy.stats.ttest_ind_from_stats (n ${c.a.count} vs ${c.b.count})`, () => {
      const w = welchTest(c.a, c.b, c.alpha);
      expect(relClose(w.t, c.t, 1e-12)).toBe(true);
      expect(relClose(w.df, c.df, 1e-12)).toBe(true);
      expect(relClose(w.pLess, c.pLess, 1e-9)).toBe(true);
      expect(relClose(w.pGreater, c.pGreater, 1e-9)).toBe(true);
      expect(relClose(w.pTwoSided, c.pTwoSided, 1e-9)).toBe(true);
      // Student's t quantile (@stdlib) and SciPy agree to about 1e-9 at a few dozen degrees of freedom
      expect(relClose(w.interval[0], c.interval[0], 1e-8)).toBe(true);
      expect(relClose(w.interval[1], c.interval[1], 1e-8)).toBe(true);
    });
  }

  it('without spread: the means differ or they do not; too few values is an input error', () => {
    expect(welchTest({ mean: 1, variance: 0, count: 5 }, { mean: 0.5, variance: 0, count: 5 })).toMatchObject({
      pLess: 0,
      pGreater: 1,
      pTwoSided: 0,
      interval: [-0.5, -0.5],
    });
    expect(welchTest({ mean: 1, variance: 0, count: 5 }, { mean: 1, variance: 0, count: 5 }).pTwoSided).toBe(1);
    expect(() => welchTest({ mean: 1, variance: 1, count: 1 }, { mean: 1, variance: 1, count: 5 })).toThrow(
      StatisticsInputError,
    );
  });
});

describe('moments of a histogram', () => {
  for (const c of fx.moments) {
    it(`estimates the variance of the values: ${c.name}`, () => {
      const m = perUnit(histogramMoments(c.histogram), c.histogram.count);
      expect(m.mean).toBeCloseTo(c.histogram.sum / c.histogram.count, 12);
      expect(Math.abs(m.variance - c.variance) / c.variance).toBeLessThanOrEqual(c.tolerance);
      if (c.notBelow) expect(m.variance).toBeGreaterThanOrEqual(c.variance);
    });
  }

  it('per unit: units without a value count as 0', () => {
    // values 2 and 4 on bucket edges, 2 more units without a value: 2, 4, 0, 0
    const h: ExplicitHistogram = { boundaries: [0, 2, 4], counts: [0, 1, 1, 0], count: 2, sum: 6 };
    const m = perUnit(histogramMoments(h), 4);
    expect(m).toEqual({ count: 4, mean: 1.5, variance: ((2 - 1.5) ** 2 + (4 - 1.5) ** 2 + 2 * 1.5 ** 2) / 3 });
  });

  it('a single bucket has no observable spread; an unknown sum is an input error', () => {
    expect(histogramMoments({ boundaries: [], counts: [4], count: 4, sum: 8 })).toEqual({
      count: 4,
      sum: 8,
      sumOfSquares: 16,
    });
    expect(() => histogramMoments({ boundaries: [1], counts: [1, 1], count: 2, sum: Number.NaN })).toThrow(
      /sum is unknown/,
    );
  });
});

describe('values outside the reference range', () => {
  for (const c of fx.outOfRange) {
    it(`brackets the exact count and tests it as SciPy's Fisher test: ${c.name}`, () => {
      const range = rangeOf(explicitBuckets(c.reference), c.reference)!;
      expect(range.exact).toBe(true);
      const n = outOfRange(explicitBuckets(c.current), range, c.current);
      expect(n.below[0]).toBeLessThanOrEqual(c.below);
      expect(n.below[1]).toBeGreaterThanOrEqual(c.below);
      expect(n.above[0]).toBeLessThanOrEqual(c.above);
      expect(n.above[1]).toBeGreaterThanOrEqual(c.above);
      // only the bucket holding each edge is uncertain
      const straddle = (edge: number) => c.current.counts[c.current.boundaries.findIndex((b) => b >= edge)] ?? 0;
      expect(n.below[1] - n.below[0]).toBeLessThanOrEqual(straddle(range.minLow));
      expect(n.above[1] - n.above[0]).toBeLessThanOrEqual(straddle(range.maxHigh));
      const exact = riseTest(
        { count: c.below + c.above, total: n.total },
        { count: 2, total: c.reference.count + 1 },
        0.02,
        resolveLimits({}),
        'outside',
        'values',
      );
      expect(relClose(exact.pValue!, c.pValue, 1e-9) || (exact.pValue! < 1e-300 && c.pValue === 0)).toBe(true);
    });
  }

  it('decides on the bracket: spike, no spike, or insufficient_resolution when the edge buckets cannot tell', () => {
    const ref = fx.outOfRange[0]!.reference;
    const v = (name: string) => {
      const c = fx.outOfRange.find((x) => x.name === name)!;
      return outOfRangeTest(
        outOfRange(explicitBuckets(c.current), rangeOf(explicitBuckets(ref), ref)!, c.current),
        ref.count,
      );
    };
    expect(v('clean').verdict).toBe('no_spike');
    expect(v('shifted by 4 SD').verdict).toBe('spike');
    expect(v('wider').verdict).toBe('spike');
    // the reference's max inside the window's only bucket: anything between none and all could be above it
    const coarse = outOfRange([{ lower: 0, upper: 100, count: 400 }], {
      minLow: 1,
      minHigh: 1,
      maxLow: 90,
      maxHigh: 90,
      exact: true,
    });
    expect(coarse).toEqual({ below: [0, 400], above: [0, 400], total: 400 });
    const t = outOfRangeTest(coarse, 4000);
    expect(t.verdict).toBe('insufficient_resolution');
    expect(t.reasons[0]).toMatch(/between 0 and 400 values \(0\.0%-100\.0%\) lie outside the reference's range/);
    // the window's own min and max settle it
    expect(
      outOfRangeTest(
        outOfRange(
          [{ lower: 0, upper: 100, count: 400 }],
          { minLow: 1, minHigh: 1, maxLow: 90, maxHigh: 90, exact: true },
          { min: 2, max: 80 },
        ),
        4000,
      ).verdict,
    ).toBe('no_spike');
    expect(
      outOfRangeTest(
        outOfRange([{ lower: 0, upper: 100, count: 5 }], {
          minLow: 1,
          minHigh: 1,
          maxLow: 90,
          maxHigh: 90,
          exact: true,
        }),
        1,
      ).verdict,
    ).toBe('insufficient_data');
  });

  it('without the reference min and max, the range is known to its outermost buckets', () => {
    const ref: ExplicitHistogram = { boundaries: [10, 20, 30, 40], counts: [0, 5, 5, 0, 0], count: 10, sum: 250 };
    expect(rangeOf(explicitBuckets(ref), ref)).toEqual({
      minLow: 10,
      minHigh: 20,
      maxLow: 20,
      maxHigh: 30,
      exact: false,
    });
    // surely above: values above 30; possibly: values in (20, 30]
    const cur = outOfRange(
      explicitBuckets({ boundaries: [10, 20, 30, 40], counts: [1, 0, 3, 4, 2], count: 10, sum: 300 }),
      rangeOf(explicitBuckets(ref), ref)!,
    );
    expect(cur).toEqual({ below: [1, 1], above: [6, 9], total: 10 });
  });

  it('reads an explicit histogram in place as its bucket array would give it, and declines one whose buckets are out of order', () => {
    const hists: ExplicitHistogram[] = [
      ...fx.outOfRange.flatMap((c) => [c.reference, c.current]),
      { boundaries: [10, 20, 30, 40], counts: [0, 5, 5, 0, 0], count: 10, sum: 250 },
      { boundaries: [10, 20, 30, 40], counts: [1, 0, 3, 4, 2], count: 10, sum: 300, min: 5, max: 45 },
      { boundaries: [10, 10, 30], counts: [2, 0, 3, 1], count: 6, sum: 100 },
      { boundaries: [], counts: [4], count: 4, sum: 8 },
    ];
    for (const r of hists) {
      const list = explicitBucketList(r)!;
      expect(list).not.toBeNull();
      expect(
        Array.from({ length: list.length }, (_, i) => ({
          lower: list.lower(i),
          upper: list.upper(i),
          count: list.count(i),
        })),
      ).toEqual(explicitBuckets(r));
      const range = rangeOf(list, r);
      expect(range).toEqual(rangeOf(explicitBuckets(r), r));
      if (range === null) continue;
      for (const c of hists) {
        expect(outOfRange(explicitBucketList(c)!, range, c)).toEqual(outOfRange(explicitBuckets(c), range, c));
        expect(outOfRange(explicitBucketList(c)!, range)).toEqual(outOfRange(explicitBuckets(c), range));
      }
    }
    expect(explicitBucketList({ boundaries: [20, 10], counts: [1, 1, 1], count: 3, sum: 30 })).toBeNull();
    expect(explicitBucketList({ boundaries: [10, 20], counts: [1, 1], count: 2, sum: 20 })).toBeNull();
  });

  it('reads the buckets of an exponential histogram', () => {
    const b = exponentialBuckets({
      scale: 0,
      zeroCount: 2,
      zeroThreshold: 0,
      positive: { offset: 1, bucketCounts: [3, 4] },
      negative: { offset: 0, bucketCounts: [1] },
      count: 10,
      sum: 20,
    });
    expect(b.map((x) => [x.upper, x.count])).toEqual([
      [-1, 1],
      [0, 2],
      [4, 3],
      [8, 4],
    ]);
    expect(b[2]!.lower).toBe(2);
    expect(b[0]!.lower).toBeLessThan(-2);
  });
});

describe('business value per prediction', () => {
  const ref = { mean: 0.35, variance: 0.5, count: 4000 };
  it('flags a drop that is significant and beyond the limit across its interval', () => {
    const t = businessValueTest({ mean: 0.1, variance: 0.5, count: 400 }, ref);
    expect(t.verdict).toBe('degraded');
    expect(t.difference).toBeCloseTo(-0.25, 12);
    expect(t.reasons[1]).toMatch(
      /value per prediction 0\.100 vs 0\.350 \(-71\.4%\), relative interval \[-\d+\.\d%, -\d+\.\d%\] beyond a drop of 10\.0%/,
    );
  });
  it('a small or uncertain drop does not flag; a rise never does', () => {
    expect(businessValueTest({ mean: 0.33, variance: 0.5, count: 400 }, ref).verdict).toBe('no_degradation');
    expect(businessValueTest({ mean: 0.3, variance: 0.5, count: 60 }, ref).verdict).toBe('no_degradation');
    expect(businessValueTest({ mean: 0.9, variance: 0.5, count: 400 }, ref).verdict).toBe('no_degradation');
  });
  it('says insufficient_data, with the reason, when it cannot decide', () => {
    expect(businessValueTest({ mean: 0.1, variance: 0.5, count: 400 }, null).reasons).toEqual([
      'the reference has no business values',
    ]);
    expect(businessValueTest({ mean: 0.1, variance: 0.5, count: 20 }, ref).reasons).toEqual([
      '20 predictions < minimum 50',
    ]);
    expect(businessValueTest({ mean: 0.1, variance: 0.5, count: 400 }, { ...ref, mean: 0 }).verdict).toBe(
      'insufficient_data',
    );
  });
});
