/**
 * The privacy targets (docs/privacy.md), on a smaller sample than `npm run bench:privacy`, with
 * seeded noise and loose bounds: window counts unbiased, empty windows around 0, no more false
 * alarms on noisy windows than the decision allows, and a shift still found.
 */
import { describe, expect, it } from 'vitest';
import {
  clampedRelease,
  simulateCounts,
  simulateDrift,
  type PrivacySimulation,
} from '../../../../processor/bench/privacy-simulation-lib.js';

const base: PrivacySimulation = {
  epsilon: 1,
  features: 3,
  rowsPerWindow: 1_000,
  exportsPerWindow: 1,
  windows: 1_000,
  seed: 5,
};

describe('privacy simulation', () => {
  it('releases window counts without bias: within 2% of 1,000 rows on average, empty windows around 0', () => {
    const c = simulateCounts(base);
    expect(c.scale).toBe(17);
    expect(Math.abs(c.meanError)).toBeLessThan(0.02);
    // the noise of one window is about 24 rows: the mean of 1,000 empty windows within 4 standard errors of 0
    expect(Math.abs(c.emptyMean)).toBeLessThan((4 * c.noiseSd) / Math.sqrt(base.windows));
    expect(c.emptyPositiveShare).toBeGreaterThan(0.4);
    expect(c.emptyPositiveShare).toBeLessThan(0.6);
    // the previous mechanism kept every bucket at or above its largest release: the total only grew
    expect(clampedRelease(100, 20, 30, 1, 3)).toBeGreaterThan(130);
  });

  it('keeps the false-alarm bound on noisy windows without drift, and still flags a 1 SD shift at 2,000 rows', () => {
    const none = simulateDrift({ ...base, rowsPerWindow: 2_000, windows: 150 }, { shift: 0, referenceRows: 10_000 });
    expect(none.flaggedNoisy).toBeLessThanOrEqual(0.03);
    expect(none.effectiveRows).toBeGreaterThan(50);
    const shifted = simulateDrift(
      { ...base, rowsPerWindow: 2_000, windows: 40, seed: 9 },
      { shift: 1, referenceRows: 10_000 },
    );
    expect(shifted.flaggedClean).toBe(1);
    expect(shifted.flaggedNoisy).toBeGreaterThanOrEqual(0.8);
  });
});
