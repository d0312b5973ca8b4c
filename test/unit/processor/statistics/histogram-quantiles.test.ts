import { describe, expect, it } from 'vitest';
import type { ExplicitHistogram } from '@otel-ml/conventions';
import { decilesFromHistogram, histogramQuantile } from '../../../../processor/src/statistics/index.js';

const hist = (boundaries: number[], counts: number[], max?: number): ExplicitHistogram => ({
  boundaries,
  counts,
  count: counts.reduce((a, b) => a + b, 0),
  sum: 0,
  ...(max !== undefined ? { max } : {}),
});

describe('histogramQuantile (as Prometheus histogram_quantile)', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 10 in (0, 1], 30 in (1, 2], 60 in (2, 4]: the median (rank 50) is 2 + 2 * (50 - 40) / 60
    const h = hist([1, 2, 4], [10, 30, 60, 0]);
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(2 + (2 * 10) / 60, 12);
    expect(histogramQuantile(h, 0.1)).toBeCloseTo(1, 12);
    expect(histogramQuantile(h, 0.05)).toBeCloseTo(0.5, 12);
    expect(histogramQuantile(h, 1)).toBeCloseTo(4, 12);
  });

  it('uses the maximum as the upper end of the overflow bucket, and the last boundary without one', () => {
    expect(histogramQuantile(hist([1, 2], [0, 0, 10], 6), 0.5)).toBeCloseTo(4, 12);
    expect(histogramQuantile(hist([1, 2], [0, 0, 10]), 0.5)).toBeCloseTo(2, 12);
  });

  it('is null for an empty histogram', () => {
    expect(histogramQuantile(hist([1, 2], [0, 0, 0]), 0.5)).toBeNull();
  });
});

describe('decilesFromHistogram', () => {
  it('puts a boundary where the cumulative share first reaches each tenth', () => {
    const b = Array.from({ length: 99 }, (_, i) => i + 1);
    const h = hist(b, new Array<number>(100).fill(1));
    expect(decilesFromHistogram(h)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('merges tenths that fall in one fine bucket, and drops a top boundary above the last non-empty bucket', () => {
    // 50% of the mass at or below 1, the rest at or below 2; nothing above 3
    const h = hist([1, 2, 3], [50, 50, 0, 0]);
    expect(decilesFromHistogram(h)).toEqual([1]);
  });

  it('is empty for an empty histogram', () => {
    expect(decilesFromHistogram(hist([1, 2], [0, 0, 0]))).toEqual([]);
  });
});
