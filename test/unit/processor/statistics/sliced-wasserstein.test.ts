import { describe, expect, it } from 'vitest';
import { slicedWasserstein, StatisticsInputError } from '../../../../processor/src/statistics/index.js';

describe('slicedWasserstein', () => {
  it('is the mean (and max) of the per-projection W1, skipping projections without one', () => {
    const sw = slicedWasserstein([0.1, 0.3, null, 0.2])!;
    expect(sw.mean).toBeCloseTo(0.2, 15);
    expect(sw).toMatchObject({ max: 0.3, projections: 3 });
    expect(slicedWasserstein([null])).toBeNull();
    expect(slicedWasserstein([])).toBeNull();
  });

  it('rejects negative or non-finite distances', () => {
    expect(() => slicedWasserstein([0.1, -0.1])).toThrow(StatisticsInputError);
    expect(() => slicedWasserstein([Number.NaN])).toThrow(StatisticsInputError);
  });
});
