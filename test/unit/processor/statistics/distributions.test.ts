import { describe, expect, it } from 'vitest';
import {
  StatisticsInputError,
  chiSquareCdf,
  chiSquareQuantile,
  chiSquareSf,
  kolmogorovCdf,
  kolmogorovQuantile,
  kolmogorovSf,
} from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose, type DistributionsFixture } from './fixtures.js';

const fx = loadFixture<DistributionsFixture>('distributions.json');

describe('chi-square distribution against scipy.stats.chi2', () => {
  it('survival function and CDF', () => {
    for (const r of fx.chiSquare) {
      expect(relClose(chiSquareSf(r.x, r.dof), r.sf, 1e-9, 1e-300), `sf(${r.x}, ${r.dof})`).toBe(true);
      expect(relClose(chiSquareCdf(r.x, r.dof), r.cdf, 1e-9, 1e-300), `cdf(${r.x}, ${r.dof})`).toBe(true);
    }
  });
  it('quantile', () => {
    for (const r of fx.chiSquareQuantile) {
      expect(relClose(chiSquareQuantile(r.p, r.dof), r.x, 1e-8), `ppf(${r.p}, ${r.dof})`).toBe(true);
    }
  });
  it('rejects bad arguments', () => {
    expect(() => chiSquareSf(NaN, 3)).toThrow(StatisticsInputError);
    expect(() => chiSquareSf(1, 0)).toThrow(/degrees of freedom/);
    expect(() => chiSquareQuantile(1, 3)).toThrow(/\(0, 1\)/);
    expect(chiSquareSf(-1, 2)).toBe(1);
    expect(chiSquareSf(Infinity, 2)).toBe(0);
  });
});

describe('Kolmogorov distribution against scipy.stats.kstwobign', () => {
  it('survival function and CDF', () => {
    for (const r of fx.kolmogorov) {
      expect(relClose(kolmogorovSf(r.x), r.sf, 1e-9, 1e-300), `sf(${r.x}) = ${kolmogorovSf(r.x)} vs ${r.sf}`).toBe(
        true,
      );
      expect(relClose(kolmogorovCdf(r.x), r.cdf, 1e-9, 1e-300), `cdf(${r.x}) = ${kolmogorovCdf(r.x)} vs ${r.cdf}`).toBe(
        true,
      );
    }
  });
  it('quantile', () => {
    for (const r of fx.kolmogorovQuantile) {
      expect(relClose(kolmogorovQuantile(r.p), r.x, 1e-9), `ppf(${r.p})`).toBe(true);
    }
  });
  it('is continuous where the two series meet', () => {
    expect(Math.abs(kolmogorovSf(1 - 1e-12) - kolmogorovSf(1))).toBeLessThan(1e-10);
  });
});
