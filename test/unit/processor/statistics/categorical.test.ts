import { describe, expect, it } from 'vitest';
import { categoricalDrift } from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose, type CategoricalFixture } from './fixtures.js';

const fx = loadFixture<CategoricalFixture>('categorical.json');

describe('categorical drift against scipy over the union of categories', () => {
  for (const s of fx.scenarios) {
    it(s.name, () => {
      const d = categoricalDrift(s.reference, s.current, { epsilon: fx.epsilon });
      expect(d.categories).toEqual(s.categories);
      expect(d.unseen.categories).toEqual(s.unseen);
      expect(d.unseen.count).toBe(s.unseenCount);
      expect(d.unseen.share).toBeCloseTo(s.unseenCount / d.currentCount, 12);
      const e = s.binned;
      expect(relClose(d.psi, e.psi, 1e-9)).toBe(true);
      expect(relClose(d.kl, e.kl, 1e-9)).toBe(true);
      expect(relClose(d.jensenShannon, e.jensenShannon, 1e-9)).toBe(true);
      expect(relClose(d.hellinger, e.hellinger, 1e-9)).toBe(true);
      expect(relClose(d.chiSquare.statistic, e.chiSquare.statistic, 1e-9)).toBe(true);
      expect(d.chiSquare.dof).toBe(e.chiSquare.dof);
      expect(relClose(d.chiSquare.pValue, e.chiSquare.pValue, 1e-8, 1e-300)).toBe(true);
    });
  }

  it('drops a category that is empty on both sides from the chi-square dof', () => {
    const d = categoricalDrift({ a: 50, b: 50, c: 0 }, { a: 30, b: 70 });
    expect(d.bins).toBe(3);
    expect(d.chiSquare.dof).toBe(1);
    expect(d.unseen.count).toBe(0);
  });

  it('counts a category with a zero reference count as unseen', () => {
    const d = categoricalDrift({ a: 50, b: 50, z: 0 }, { a: 30, b: 60, z: 10 });
    expect(d.unseen).toEqual({ categories: ['z'], count: 10, share: 0.1 });
  });
});
