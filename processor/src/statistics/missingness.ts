import { chiSquareTest } from './chi-square.js';
import type { ChiSquareTest } from './chi-square.js';
import { StatisticsInputError, checkCounts } from './validate.js';

/**
 * Missingness rate: missing / (missing + present). Throws when there are no
 * rows at all (the rate is undefined) or a count is negative/non-finite.
 */
export function missingRate(missing: number, present: number): number {
  checkCounts([missing, present], 'missingness');
  const total = missing + present;
  if (total === 0) throw new StatisticsInputError('missingness: no rows');
  return missing / total;
}

export interface MissingnessShift {
  readonly referenceRate: number;
  readonly currentRate: number;
  /** currentRate - referenceRate. */
  readonly difference: number;
  /** Chi-square homogeneity test on the 2 x 2 table (missing, present) x (reference, current). */
  readonly test: ChiSquareTest;
}

/**
 * Change of the missingness rate between reference and current rows: the two
 * rates, their difference and Pearson's chi-square test of homogeneity on the
 * 2 x 2 table (no continuity correction; see `chiSquareTest`).
 */
export function missingnessShift(
  referenceMissing: number,
  referencePresent: number,
  currentMissing: number,
  currentPresent: number,
): MissingnessShift {
  const referenceRate = missingRate(referenceMissing, referencePresent);
  const currentRate = missingRate(currentMissing, currentPresent);
  return {
    referenceRate,
    currentRate,
    difference: currentRate - referenceRate,
    test: chiSquareTest([referenceMissing, referencePresent], [currentMissing, currentPresent]),
  };
}
