import type { ExplicitHistogram, ExponentialHistogram } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import {
  StatisticsInputError,
  binnedDrift,
  groupHistogram,
  histogramFromValues,
  rebinExplicit,
  rebinExponential,
  referenceBoundaries,
} from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose, type NumericFixture } from './fixtures.js';

const fx = loadFixture<NumericFixture>('numeric.json');
const sum = (a: readonly number[]): number => a.reduce((s, x) => s + x, 0);

/** Records values in an OpenTelemetry exponential histogram at `scale` (value v > 0 in bucket ceil(log2(v) 2^scale) - 1). */
function exponentialFromValues(values: readonly number[], scale: number): ExponentialHistogram {
  const pos = new Map<number, number>();
  const neg = new Map<number, number>();
  let zero = 0;
  for (const v of values) {
    if (v === 0) {
      zero++;
      continue;
    }
    const i = Math.ceil(Math.log2(Math.abs(v)) * 2 ** scale) - 1;
    const m = v > 0 ? pos : neg;
    m.set(i, (m.get(i) ?? 0) + 1);
  }
  const side = (m: Map<number, number>) => {
    if (m.size === 0) return { offset: 0, bucketCounts: [] };
    const lo = Math.min(...m.keys());
    const hi = Math.max(...m.keys());
    return { offset: lo, bucketCounts: Array.from({ length: hi - lo + 1 }, (_, k) => m.get(lo + k) ?? 0) };
  };
  return {
    scale,
    zeroCount: zero,
    positive: side(pos),
    negative: side(neg),
    count: values.length,
    sum: sum(values),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

describe('referenceBoundaries', () => {
  it('takes type-1 quantiles, keeps deciles as a subset and accepts unsorted Float64Array input', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 10);
    const rb = referenceBoundaries(values);
    expect(rb.boundaries).toHaveLength(99);
    expect(rb.boundaries[0]).toBe(0.9); // 10th smallest of 0, 0.1, ..., 99.9
    expect(rb.decileBoundaries).toEqual([9.9, 19.9, 29.9, 39.9, 49.9, 59.9, 69.9, 79.9, 89.9]);
    for (const d of rb.decileBoundaries) expect(rb.boundaries).toContain(d);
  });

  it('collapses ties of discrete data and drops the maximum, so no reference bucket is empty', () => {
    const values = [...Array(70).fill(0), ...Array(20).fill(1), ...Array(10).fill(2)];
    const rb = referenceBoundaries(values);
    expect(rb.boundaries).toEqual([0, 1]);
    expect(rb.decileBoundaries).toEqual([0, 1]);
    expect(histogramFromValues(values, rb.boundaries).counts).toEqual([70, 20, 10]);
  });

  it('gives a single bucket for a constant feature', () => {
    const rb = referenceBoundaries([3, 3, 3]);
    expect(rb).toEqual({ boundaries: [], decileBoundaries: [] });
    const h = histogramFromValues([3, 3, 4], rb.boundaries);
    expect(h.counts).toEqual([3]);
    expect(binnedDrift([3], h.counts)).toMatchObject({
      psi: 0,
      kl: 0,
      jensenShannon: 0,
      hellinger: 0,
      chiSquare: { dof: 0, pValue: 1 },
    });
  });

  it('rejects NaN/Inf, empty samples and bad options with a reason', () => {
    expect(() => referenceBoundaries([1, NaN, 2])).toThrow(/not finite.*missing/);
    expect(() => referenceBoundaries([1, Infinity])).toThrow(StatisticsInputError);
    expect(() => referenceBoundaries([])).toThrow(/empty/);
    expect(() => referenceBoundaries([1, 2], { quantiles: 100, deciles: 7 })).toThrow(/divid/);
    expect(() => histogramFromValues([1, NaN], [0])).toThrow(/not finite/);
  });
});

describe('groupHistogram', () => {
  const h = histogramFromValues([0.5, 1.5, 1.7, 2.5, 3.5, 9], [1, 2, 3, 4]);
  it('sums fine buckets into coarse bins exactly', () => {
    const g = groupHistogram(h, [2, 4]);
    expect(g.counts).toEqual([3, 2, 1]);
    expect(g.boundaries).toEqual([2, 4]);
    expect(g).toMatchObject({ count: 6, sum: h.sum, min: 0.5, max: 9 });
    expect(groupHistogram(h, []).counts).toEqual([6]);
  });
  it('refuses coarse boundaries that are not fine boundaries', () => {
    expect(() => groupHistogram(h, [2.5])).toThrow(/mismatched boundaries: coarse boundary 2.5/);
    expect(() => groupHistogram(h, [5])).toThrow(/mismatched boundaries/);
  });
});

describe('rebinExplicit', () => {
  it('moves counts exactly when source edges include the target edges', () => {
    const h = histogramFromValues([0.5, 1.5, 1.7, 2.5, 3.5, 9], [1, 2, 3, 4]);
    const r = rebinExplicit(h, [2, 4]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.histogram.counts).toEqual([3, 2, 1]);
    expect(r.interpolatedFraction).toBe(0);
  });

  it('interpolates uniformly inside buckets, using min/max for the open ends', () => {
    const h: ExplicitHistogram = { boundaries: [0, 10], counts: [2, 10, 4], count: 16, sum: NaN, min: -2, max: 12 };
    const r = rebinExplicit(h, [-1, 5, 11]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // [-2,0] holds 2: half below -1; [0,10] holds 10: half below 5; [10,12] holds 4: half below 11
    expect(r.histogram.counts).toEqual([1, 1 + 5, 5 + 2, 2]);
    expect(sum(r.histogram.counts)).toBe(16);
  });

  it('refuses with a reason when the open end is unbounded or the source is far coarser', () => {
    const open: ExplicitHistogram = { boundaries: [0, 10], counts: [2, 10, 4], count: 16, sum: NaN };
    const r1 = rebinExplicit(open, [-1, 5]);
    expect(r1).toMatchObject({ ok: false });
    if (!r1.ok) expect(r1.reason).toMatch(/min is unknown/);
    // open ends that stay within one target bucket are fine without min/max
    const r2 = rebinExplicit(open, [0, 5, 10]);
    expect(r2.ok).toBe(true);
    const coarse = histogramFromValues([1, 2, 3, 50, 60, 70, 99], [0, 100]);
    const r3 = rebinExplicit(
      coarse,
      Array.from({ length: 99 }, (_, i) => i + 1),
    );
    expect(r3.ok).toBe(false);
    if (!r3.ok) expect(r3.reason).toMatch(/far coarser/);
    const r4 = rebinExplicit(coarse, [50], { maxInterpolatedFraction: 0.5 });
    expect(r4.ok).toBe(false);
    if (!r4.ok) expect(r4.reason).toMatch(/interpolated/);
  });

  it('keeps decile statistics within 1% when re-binning from 1000 equal-width buckets (large normal sample)', () => {
    const c = fx.cases.find((x) => x.name === 'normal-large')!;
    const rb = referenceBoundaries(c.reference);
    const refDec = groupHistogram(histogramFromValues(c.reference, rb.boundaries), rb.decileBoundaries);
    for (const s of c.shifts) {
      const cur = c.current.map((v) => v + s.offset);
      const lo = Math.min(...cur);
      const hi = Math.max(...cur);
      const edges = Array.from({ length: 999 }, (_, i) => lo + ((hi - lo) * (i + 1)) / 1000);
      const r = rebinExplicit(histogramFromValues(cur, edges), rb.boundaries, { maxInterpolatedFraction: 1 });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(sum(r.histogram.counts)).toBeCloseTo(cur.length, 6);
      const b = binnedDrift(refDec.counts, groupHistogram(r.histogram, rb.decileBoundaries).counts);
      if (s.delta > 0) {
        expect(relClose(b.psi, s.binned.psi, 0.01), `psi ${b.psi} vs ${s.binned.psi}`).toBe(true);
        expect(relClose(b.jensenShannon, s.binned.jensenShannon, 0.01)).toBe(true);
      } else {
        expect(Math.abs(b.psi - s.binned.psi)).toBeLessThan(0.001);
      }
    }
  });
});

describe('rebinExponential', () => {
  it('maps positive, negative and zero buckets onto explicit edges', () => {
    // scale 0: base 2, positive bucket i = (2^i, 2^(i+1)]
    const e: ExponentialHistogram = {
      scale: 0,
      zeroCount: 1,
      positive: { offset: 0, bucketCounts: [2, 4] }, // (1,2]: 2, (2,4]: 4
      negative: { offset: 1, bucketCounts: [3] }, // [-4,-2): 3
      count: 10,
      sum: NaN,
    };
    const r = rebinExponential(e, [-3, 0, 2, 3]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.histogram.counts).toEqual([1.5, 1.5 + 1, 2, 2, 2]);
  });

  it('throws on inconsistent counts and refuses coarse buckets', () => {
    const e: ExponentialHistogram = {
      scale: 0,
      zeroCount: 0,
      positive: { offset: 0, bucketCounts: [5] },
      negative: { offset: 0, bucketCounts: [] },
      count: 4,
      sum: 0,
    };
    expect(() => rebinExponential(e, [1.5])).toThrow(/add up to 5/);
    const coarse = { ...e, count: 5, scale: -3 }; // one bucket (1, 256]
    const r = rebinExponential(coarse, [10, 20, 30, 40, 50, 60]);
    expect(r.ok).toBe(false);
  });

  for (const name of ['normal-large', 'lognormal-large', 't2-large']) {
    it(`keeps decile statistics within 1% from a scale-5 exponential histogram (${name})`, () => {
      const c = fx.cases.find((x) => x.name === name)!;
      const rb = referenceBoundaries(c.reference);
      const refFine = histogramFromValues(c.reference, rb.boundaries);
      const refDec = groupHistogram(refFine, rb.decileBoundaries);
      for (const s of c.shifts.filter((x) => x.delta > 0)) {
        const cur = c.current.map((v) => v + s.offset);
        const r = rebinExponential(exponentialFromValues(cur, 5), rb.boundaries, { maxInterpolatedFraction: 1 });
        expect(r.ok, r.ok ? '' : r.reason).toBe(true);
        if (!r.ok) return;
        const b = binnedDrift(refDec.counts, groupHistogram(r.histogram, rb.decileBoundaries).counts);
        expect(relClose(b.psi, s.binned.psi, 0.01), `psi ${b.psi} vs ${s.binned.psi}`).toBe(true);
        expect(
          relClose(b.jensenShannon, s.binned.jensenShannon, 0.01),
          `js ${b.jensenShannon} vs ${s.binned.jensenShannon}`,
        ).toBe(true);
        expect(relClose(b.chiSquare.statistic, s.binned.chiSquare.statistic, 0.01)).toBe(true);
      }
    });
  }
});
