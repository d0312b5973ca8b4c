import { describe, expect, it } from 'vitest';
import {
  aucStandardError,
  independentDifference,
  normalCritical,
  normalTwoSidedP,
  StatisticsInputError,
  twoProportionTest,
  wilsonInterval,
} from '../../../../processor/src/statistics/index.js';

// Expected values: scipy.stats (chi2_contingency(correction=False), norm.ppf/sf), formulas in comparison.ts.
describe('comparison tests', () => {
  it('two-proportion z-test equals the uncorrected chi-square test of the 2x2 table', () => {
    const t = twoProportionTest(45, 100, 30, 100);
    expect(t.difference).toBeCloseTo(-0.15, 12);
    expect(t.pValue).toBeCloseTo(0.028459736916310638, 10);
    expect(t.interval[0]).toBeCloseTo(-0.2825695066924352, 10);
    expect(t.interval[1]).toBeCloseTo(-0.017430493307564826, 10);
    expect(t.z).toBeLessThan(0);
    expect(twoProportionTest(0, 10, 0, 20).pValue).toBe(1);
    expect(() => twoProportionTest(11, 10, 1, 2)).toThrow(StatisticsInputError);
  });
  it('Wilson interval (7 of 20: 0.181 to 0.567)', () => {
    const [lo, hi] = wilsonInterval(7, 20);
    expect(lo).toBeCloseTo(0.1811918241010821, 10);
    expect(hi).toBeCloseTo(0.5671457233147638, 10);
    expect(wilsonInterval(0, 10)[0]).toBeCloseTo(0, 12);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
  });
  it('normal helpers', () => {
    expect(normalCritical(0.05)).toBeCloseTo(1.959963984540054, 9);
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 9);
    expect(normalTwoSidedP(0)).toBe(1);
  });
  it('Hanley-McNeil AUC standard error and the difference of independent AUCs', () => {
    expect(aucStandardError(0.8, 50, 70)).toBeCloseTo(0.042672618632471813, 12);
    expect(() => aucStandardError(0.8, 0, 5)).toThrow(StatisticsInputError);
    const d = independentDifference(0.8, 0.03, 0.75, 0.04);
    expect(d.difference).toBeCloseTo(-0.05, 12);
    expect(d.pValue).toBeCloseTo(0.3173105078629137, 9);
  });
});
