import { describe, expect, it } from 'vitest';
import {
  assertValidExponentialHistogram,
  downscaleBuckets,
  emptyExponential,
  exponentialAtScale,
  exponentialIndex,
  exponentialLowerBound,
  explicitFromExponential,
  mergeExponential,
  type ExponentialHistogram,
} from '@otel-ml/conventions';

describe('exponential bucket index', () => {
  it('maps exact powers of two to the bucket they close, at every scale', () => {
    for (let scale = -10; scale <= 20; scale++) {
      for (const e of [-1074, -1022, -10, -1, 0, 1, 7, 1023]) {
        const v = 2 ** e;
        const expected = scale <= 0 ? (e - 1) >> -scale : (e << scale) - 1;
        expect(exponentialIndex(v, scale), `2^${e} at scale ${scale}`).toBe(expected);
      }
    }
  });

  it('follows the specification examples at scales 0, 1 and -1', () => {
    expect([1, 2, 3, 4, 5, 8, 9].map((v) => exponentialIndex(v, 0))).toEqual([-1, 0, 1, 1, 2, 2, 3]);
    // scale 1: base sqrt(2); (sqrt 2, 2] is bucket 1, (2, 2 sqrt 2] bucket 2
    expect([1.5, 2, 2.5, 2.9].map((v) => exponentialIndex(v, 1))).toEqual([1, 1, 2, 3]);
    // scale -1: base 4; (1/4, 1] is bucket -1, (1, 4] bucket 0, (4, 16] bucket 1
    expect([0.3, 1, 1.1, 4, 5, 16, 17].map((v) => exponentialIndex(v, -1))).toEqual([-1, -1, 0, 0, 1, 1, 2]);
  });

  it('handles subnormal and extreme values', () => {
    expect(exponentialIndex(Number.MIN_VALUE, 0)).toBe(-1075);
    expect(exponentialIndex(3 * Number.MIN_VALUE, 0)).toBe(-1073);
    expect(exponentialIndex(Number.MAX_VALUE, 0)).toBe(1023);
    expect(exponentialIndex(Number.MAX_VALUE, 20)).toBe(1024 * 2 ** 20 - 1);
    expect(exponentialIndex(Number.MIN_VALUE, 20)).toBe(-1074 * 2 ** 20 - 1);
    expect(exponentialIndex(Number.MAX_VALUE, -10)).toBe(0);
    expect(exponentialIndex(Number.MIN_VALUE, -10)).toBe(-2);
  });

  it('puts every value strictly above its lower bound and at most the next one', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 5000; k++) {
      const v = Math.exp((rand() - 0.5) * 200);
      const scale = Math.floor(rand() * 31) - 10;
      const i = exponentialIndex(v, scale);
      const lo = exponentialLowerBound(i, scale);
      const hi = exponentialLowerBound(i + 1, scale);
      // the specification allows an index off by one within a rounding error of a boundary
      const tol = 1e-12 * v;
      expect(v > lo - tol && v <= hi + tol, `v=${v} scale=${scale} i=${i} (${lo}, ${hi}]`).toBe(true);
    }
  });

  it('lower bounds are exact at whole powers of two', () => {
    expect(exponentialLowerBound(8, 3)).toBe(2);
    expect(exponentialLowerBound(-8, 3)).toBe(0.5);
    expect(exponentialLowerBound(3, -2)).toBe(2 ** 12);
    expect(exponentialLowerBound(1, 1)).toBeCloseTo(Math.SQRT2, 15);
  });
});

describe('lowering the scale and merging', () => {
  it('merges 2^k neighbouring buckets, keeping counts', () => {
    expect(downscaleBuckets({ offset: -3, bucketCounts: [1, 2, 3, 4, 5] }, 1)).toEqual({
      offset: -2,
      bucketCounts: [1, 5, 9],
    });
    expect(downscaleBuckets({ offset: 5, bucketCounts: [1, 0, 2] }, 2)).toEqual({ offset: 1, bucketCounts: [3] });
  });

  it('index after lowering equals the index at the lower scale', () => {
    for (const v of [0.001, 0.37, 1, 1.5, 3, 100.25, 12345.6]) {
      for (let s = 20; s > -10; s -= 3) {
        for (const by of [1, 2, 5]) {
          if (s - by < -10) continue;
          expect(exponentialIndex(v, s) >> by).toBe(exponentialIndex(v, s - by));
        }
      }
    }
  });

  const hist = (
    scale: number,
    pos: number[],
    posOffset: number,
    neg: number[] = [],
    zero = 0,
    extra: Partial<ExponentialHistogram> = {},
  ): ExponentialHistogram => {
    const count = zero + pos.reduce((a, b) => a + b, 0) + neg.reduce((a, b) => a + b, 0);
    return {
      scale,
      zeroCount: zero,
      zeroThreshold: 0,
      positive: { offset: posOffset, bucketCounts: pos },
      negative: { offset: 0, bucketCounts: neg },
      count,
      sum: 0,
      ...extra,
    };
  };

  it('merges at the lower scale and lowers further to fit the budget', () => {
    const a = hist(2, [1, 1, 1, 1], 0, [], 1, { min: 0, max: 2 });
    const b = hist(1, [2, 2], 4, [3], 0, { min: -1, max: 8 });
    const m = mergeExponential(a, b, 160);
    expect(m.scale).toBe(1);
    expect(m.positive).toEqual({ offset: 0, bucketCounts: [2, 2, 0, 0, 2, 2] });
    expect(m.negative).toEqual({ offset: 0, bucketCounts: [3] });
    expect(m.count).toBe(a.count + b.count);
    expect(m.zeroCount).toBe(1);
    expect([m.min, m.max]).toEqual([-1, 8]);
    const small = mergeExponential(a, b, 2);
    expect(small.scale).toBe(-1);
    expect(small.positive.bucketCounts.reduce((x, y) => x + y, 0)).toBe(8);
    assertValidExponentialHistogram(small);
  });

  it('an empty side keeps the other side whole, and unknown min/max stays unknown', () => {
    const a = hist(3, [5], 10, [], 0, { min: 2.5, max: 2.6 });
    expect(mergeExponential(emptyExponential(), a, 160)).toMatchObject({
      scale: 3,
      positive: { offset: 10, bucketCounts: [5] },
      min: 2.5,
      max: 2.6,
    });
    const m = mergeExponential(a, hist(3, [1], 11), 160);
    expect(m.min).toBeUndefined();
    expect(exponentialAtScale(a, 0).positive).toEqual({ offset: 1, bucketCounts: [5] });
  });

  it('refuses broken histograms with the reason', () => {
    expect(() => assertValidExponentialHistogram(hist(21, [1], 0))).toThrow(/scale 21/);
    expect(() => assertValidExponentialHistogram({ ...hist(0, [1], 0), count: 3 })).toThrow(
      /add up to 1 but count is 3/,
    );
    expect(() => assertValidExponentialHistogram(hist(0, [-1], 0))).toThrow(/negative/);
    expect(() => mergeExponential(hist(0, [1], 0), { ...hist(0, [1], 0), zeroThreshold: 1e-9 }, 160)).toThrow(
      /zero thresholds/,
    );
  });
});

describe('explicit form of an exponential histogram', () => {
  it('has one explicit bucket per exponential bucket, the zero count in the bucket ending at 0', () => {
    // scale 1: positive 2, 3 = (2, 2.83], (2.83, 4]; negative 0 = [-1.41, -1)
    const h: ExponentialHistogram = {
      scale: 1,
      zeroCount: 2,
      zeroThreshold: 0,
      positive: { offset: 2, bucketCounts: [3, 4] },
      negative: { offset: 0, bucketCounts: [5] },
      count: 14,
      sum: 1,
      min: -1.3,
      max: 3.9,
    };
    const x = explicitFromExponential(h);
    expect(x.boundaries).toEqual([-exponentialLowerBound(1, 1), -1, 0, 2, exponentialLowerBound(3, 1), 4]);
    expect(x.counts).toEqual([0, 5, 2, 0, 3, 4, 0]);
    expect([x.count, x.min, x.max]).toEqual([14, -1.3, 3.9]);
  });

  it('skips empty buckets: a gap becomes part of one explicit bucket, counts stay exact', () => {
    const h: ExponentialHistogram = {
      scale: 0,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 1, bucketCounts: [2, 0, 0, 5] },
      negative: { offset: 0, bucketCounts: [] },
      count: 7,
      sum: 1,
    };
    const x = explicitFromExponential(h);
    // buckets (2, 4] and (16, 32]
    expect(x.boundaries).toEqual([2, 4, 16, 32]);
    expect(x.counts).toEqual([0, 2, 0, 5, 0]);
  });
});
