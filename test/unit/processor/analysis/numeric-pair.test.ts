import { describe, expect, it } from 'vitest';
import { ExponentialAccumulator, type ExplicitHistogram, type ExponentialHistogram } from '@otel-ml/conventions';
import { histogramFromValues } from '../../../../processor/src/statistics/index.js';
import { numericPair } from '../../../../processor/src/analysis/numeric-pair.js';

function exp(values: readonly number[], maxBuckets = 160): ExponentialHistogram {
  const a = new ExponentialAccumulator(maxBuckets);
  for (const v of values) a.record(v);
  return a.histogram();
}

const BOUNDS = [10, 20, 30, 40];
const refValues = Array.from({ length: 400 }, (_, i) => 5 + (i % 40));
const curValues = Array.from({ length: 100 }, (_, i) => 15 + (i % 30));
const refX = histogramFromValues(refValues, BOUNDS);
const refE = exp(refValues);
const curX = histogramFromValues(curValues, BOUNDS);
const curE = exp(curValues);

describe('numeric pair: like with like', () => {
  it('compares an exponential window with the exponential reference, an explicit one with the explicit reference', () => {
    const ref = { histogram: refX, exponential: refE, missing: 0 };
    expect(numericPair(ref, { exponential: curE, missing: 0 })).toEqual({ reference: refE, current: curE, note: null });
    expect(numericPair(ref, { histogram: curX, missing: 0 })).toEqual({ reference: refX, current: curX, note: null });
  });

  it('uses the reference kind there is when it has only the other one', () => {
    expect(numericPair({ histogram: refX, missing: 0 }, { exponential: curE, missing: 0 })).toMatchObject({
      reference: refX,
      current: curE,
    });
    expect(numericPair({ exponential: refE, missing: 0 }, { histogram: curX, missing: 0 })).toMatchObject({
      reference: refE,
      current: curX,
    });
  });

  it('adds the exponential part of a mixed window onto its explicit boundaries and says so', () => {
    const more = Array.from({ length: 300 }, (_, i) => 11 + (i % 28));
    const pair = numericPair(
      { histogram: refX, exponential: refE, missing: 0 },
      { histogram: curX, exponential: exp(more), missing: 0 },
    )!;
    expect(pair.reference).toBe(refX);
    const c = pair.current as ExplicitHistogram;
    expect(c.boundaries).toEqual(BOUNDS);
    expect(c.count).toBe(400);
    expect(c.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(400, 9);
    // every value of `more` lies within (10, 40]: the re-binned part stays there
    expect(c.counts[0]! + c.counts[4]!).toBeCloseTo(curX.counts[0]! + curX.counts[4]!, 9);
    expect(pair.note).toMatch(/^75\.0% of the values came as exponential histograms/);
  });

  it('gives an empty current histogram of the reference kind for a feature the window lacks, and nothing without a numeric reference', () => {
    expect(numericPair({ exponential: refE, missing: 0 }, undefined)).toMatchObject({
      current: { count: 0, scale: refE.scale },
    });
    expect(numericPair({ histogram: refX, missing: 0 }, { missing: 3 })).toMatchObject({
      current: { count: 0, boundaries: BOUNDS },
    });
    expect(numericPair({ categories: { a: 1 }, missing: 0 }, { exponential: curE, missing: 0 })).toBeUndefined();
  });
});
