import { describe, expect, it } from 'vitest';
import {
  EXPONENTIAL_MAX_SCALE,
  ExponentialAccumulator,
  TABLE_MAX_SCALE,
  exponentialIndex,
  exponentialLowerBound,
  fastExponentialIndex,
  mergeExponential,
  subtractExponential,
  type ExponentialHistogram,
} from '@otel-ml/conventions';

let seed = 987654321;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

/** The next float above x > 0. */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0]! += 1n;
  return f[0]!;
}
function nextDown(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0]! -= 1n;
  return f[0]!;
}

describe('fast exponential index', () => {
  it('equals exponentialIndex on random values at every scale', () => {
    for (let k = 0; k < 40_000; k++) {
      const v = Math.exp((rand() - 0.5) * 60) * (1 + rand());
      const scale = Math.floor(rand() * 31) - 10;
      expect(fastExponentialIndex(v, scale), `v=${v} scale=${scale}`).toBe(exponentialIndex(v, scale));
    }
  });

  it('equals exponentialIndex on and next to every bucket boundary of the table scales', () => {
    for (let scale = 1; scale <= TABLE_MAX_SCALE; scale++) {
      const n = 2 ** scale;
      for (const e of [-30, 0, 5]) {
        for (let j = 0; j <= n; j += Math.max(1, n >> 6)) {
          const b = exponentialLowerBound((e << scale) + j, scale);
          for (const v of [nextDown(b), b, nextUp(b), b * (1 + 1e-9), b * (1 - 1e-9)]) {
            expect(fastExponentialIndex(v, scale), `v=${v} scale=${scale}`).toBe(exponentialIndex(v, scale));
          }
        }
      }
    }
  });

  it('maps exact powers of two, their neighbours and subnormals like exponentialIndex', () => {
    for (let scale = -10; scale <= EXPONENTIAL_MAX_SCALE; scale++) {
      for (const e of [-1074, -1060, -1022, -1021, -3, 0, 1, 52, 1023]) {
        const v = 2 ** e;
        for (const x of [v, nextUp(v), v > Number.MIN_VALUE ? nextDown(v) : v, 3 * v]) {
          if (!Number.isFinite(x)) continue;
          expect(fastExponentialIndex(x, scale), `x=${x} scale=${scale}`).toBe(exponentialIndex(x, scale));
        }
      }
      expect(fastExponentialIndex(Number.MAX_VALUE, scale)).toBe(exponentialIndex(Number.MAX_VALUE, scale));
    }
  });
});

/** Counts of `values` indexed at `scale` with the specification's rule. */
function reference(
  values: readonly number[],
  scale: number,
): { pos: Map<number, number>; neg: Map<number, number>; zero: number } {
  const pos = new Map<number, number>();
  const neg = new Map<number, number>();
  let zero = 0;
  for (const v of values) {
    if (v === 0) zero++;
    else {
      const m = v > 0 ? pos : neg;
      const i = exponentialIndex(Math.abs(v), scale);
      m.set(i, (m.get(i) ?? 0) + 1);
    }
  }
  return { pos, neg, zero };
}

function asMap(b: ExponentialHistogram['positive']): Map<number, number> {
  const m = new Map<number, number>();
  b.bucketCounts.forEach((c, k) => c > 0 && m.set(b.offset + k, c));
  return m;
}

/** Highest scale <= 20 at which each sign's indices of `values` span at most `max` buckets. */
function highestFittingScale(values: readonly number[], max: number): number {
  for (let s = EXPONENTIAL_MAX_SCALE; s > -10; s--) {
    const r = reference(values, s);
    const fits = [r.pos, r.neg].every((m) => m.size === 0 || Math.max(...m.keys()) - Math.min(...m.keys()) + 1 <= max);
    if (fits) return s;
  }
  return -10;
}

describe('ExponentialAccumulator.record', () => {
  it('starts at scale 20 and lowers the scale just enough, counting every value where the specification puts it', () => {
    for (const [name, gen] of [
      ['uniform [25, 45]', () => 25 + 20 * rand()],
      ['lognormal', () => Math.exp(2 * (rand() + rand() + rand() - 1.5))],
      ['mixed signs with zeros', () => (rand() < 0.2 ? 0 : (rand() - 0.4) * 1000)],
      ['tiny and huge', () => (rand() < 0.5 ? 1e-300 * rand() : 1e300 * rand())],
      ['constant', () => 7.25],
    ] as const) {
      const values = Array.from({ length: 3000 }, gen);
      for (const max of [4, 20, 160]) {
        const acc = new ExponentialAccumulator(max);
        for (const v of values) acc.record(v);
        const h = acc.histogram();
        expect(h.scale, `${name} max ${max}`).toBe(highestFittingScale(values, max));
        const r = reference(values, h.scale);
        expect(asMap(h.positive), name).toEqual(r.pos);
        expect(asMap(h.negative), name).toEqual(r.neg);
        expect(h.zeroCount).toBe(r.zero);
        expect(h.count).toBe(values.length);
        expect(h.min).toBe(Math.min(...values));
        expect(h.max).toBe(Math.max(...values));
        expect(h.sum).toBeCloseTo(
          values.reduce((a, b) => a + b, 0),
          6,
        );
        expect(acc.bucketSpans().positive).toBeLessThanOrEqual(max);
      }
    }
  });

  it('puts exact powers of two in the bucket they close, zero and -0 in the zero bucket, negatives by magnitude', () => {
    const acc = new ExponentialAccumulator(160);
    for (const v of [1, 2, 4, -2, 0, -0, Number.MIN_VALUE]) acc.record(v);
    const h = acc.histogram();
    expect(h.zeroCount).toBe(2);
    const r = reference([1, 2, 4, -2, Number.MIN_VALUE], h.scale);
    expect(asMap(h.positive)).toEqual(r.pos);
    expect(asMap(h.negative)).toEqual(r.neg);
    expect(h.min).toBe(-2);
  });
});

describe('ExponentialAccumulator.add', () => {
  const hist = (
    scale: number,
    pos: number[],
    posOffset: number,
    neg: number[] = [],
    negOffset = 0,
    zero = 0,
    extra: Partial<ExponentialHistogram> = {},
  ): ExponentialHistogram => {
    const count = zero + pos.reduce((a, b) => a + b, 0) + neg.reduce((a, b) => a + b, 0);
    return {
      scale,
      zeroCount: zero,
      zeroThreshold: 0,
      positive: { offset: posOffset, bucketCounts: pos },
      negative: { offset: negOffset, bucketCounts: neg },
      count,
      sum: count,
      ...extra,
    };
  };

  it('merges histograms at different scales like mergeExponential', () => {
    for (let k = 0; k < 300; k++) {
      const parts = Array.from({ length: 4 }, () => {
        const scale = Math.floor(rand() * 12) - 2;
        const pos = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => Math.floor(rand() * 5));
        const neg = Array.from({ length: Math.floor(rand() * 10) }, () => Math.floor(rand() * 5));
        return hist(scale, pos, Math.floor(rand() * 200) - 100, neg, Math.floor(rand() * 50), Math.floor(rand() * 3), {
          min: -rand(),
          max: rand(),
        });
      });
      const budget = 8 + Math.floor(rand() * 60);
      const acc = new ExponentialAccumulator(budget);
      let merged: ExponentialHistogram | undefined;
      for (const p of parts) {
        acc.add(p);
        merged =
          merged === undefined ? mergeExponential(hist(20, [], 0), p, budget) : mergeExponential(merged, p, budget);
      }
      const h = acc.histogram();
      expect(h.scale).toBe(merged!.scale);
      expect(asMap(h.positive)).toEqual(asMap(merged!.positive));
      expect(asMap(h.negative)).toEqual(asMap(merged!.negative));
      expect([h.zeroCount, h.count, h.min, h.max]).toEqual([
        merged!.zeroCount,
        merged!.count,
        merged!.min,
        merged!.max,
      ]);
    }
  });

  it('keeps min, max and sum known only while every added histogram had them', () => {
    const acc = new ExponentialAccumulator(160);
    acc.add(hist(3, [2], 10, [], 0, 0, { min: 2.5, max: 2.6 }));
    expect(acc.histogram()).toMatchObject({ min: 2.5, max: 2.6 });
    acc.add(hist(3, [1], 11));
    expect(acc.histogram().min).toBeUndefined();
    acc.record(100);
    expect(acc.histogram().max).toBeUndefined();
    acc.add({ ...hist(3, [1], 11), sum: Number.NaN });
    expect(acc.histogram().sum).toBeNaN();
  });

  it('takes the wider zero threshold and moves the buckets inside it to the zero count', () => {
    const acc = new ExponentialAccumulator(160);
    for (const v of [1e-6, 2e-6, 0.5, 3, -1e-7]) acc.record(v);
    acc.add({ ...hist(0, [1], 0), zeroThreshold: 1e-5, zeroCount: 1, count: 2 });
    const h = acc.histogram();
    expect(h.zeroThreshold).toBe(1e-5);
    expect(h.zeroCount).toBe(4);
    expect(h.count).toBe(7);
    expect(
      h.positive.bucketCounts.reduce((a, b) => a + b, 0) +
        h.negative.bucketCounts.reduce((a, b) => a + b, 0) +
        h.zeroCount,
    ).toBe(7);
  });
});

describe('subtractExponential', () => {
  it('is exact after the scale was lowered between two readings', () => {
    const acc = new ExponentialAccumulator(20);
    for (let i = 0; i < 500; i++) acc.record(1 + rand());
    const before = acc.histogram();
    const later: number[] = [];
    for (let i = 0; i < 500; i++) later.push(rand() * 1000 - 200);
    for (const v of later) acc.record(v);
    const after = acc.histogram();
    expect(after.scale).toBeLessThan(before.scale);
    const d = subtractExponential(after, before)!;
    const alone = new ExponentialAccumulator(10_000, after.scale);
    for (const v of later) alone.record(v);
    const r = alone.histogram();
    expect(d.scale).toBe(after.scale);
    expect(asMap(d.positive)).toEqual(asMap(r.positive));
    expect(asMap(d.negative)).toEqual(asMap(r.negative));
    expect([d.zeroCount, d.count]).toEqual([r.zeroCount, 500]);
  });

  it('is undefined for a reset or a higher scale', () => {
    const a: ExponentialHistogram = {
      scale: 2,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 3, bucketCounts: [2, 1] },
      negative: { offset: 0, bucketCounts: [] },
      count: 3,
      sum: 3,
    };
    expect(subtractExponential({ ...a, positive: { offset: 3, bucketCounts: [1, 3] }, count: 4 }, a)).toBeUndefined();
    expect(subtractExponential({ ...a, scale: 3 }, a)).toBeUndefined();
    expect(subtractExponential(a, a)).toMatchObject({ count: 0, positive: { bucketCounts: [] } });
  });
});
