/**
 * Tests for comparing two groups of rows: two deployments of a model (primary vs canary or
 * shadow) or two slices of one model's traffic. Pure functions over counts.
 */
import { chiSquareQuantile, chiSquareSf } from './distributions.js';
import { StatisticsInputError, checkProbability } from './validate.js';

export interface ProportionDifference {
  /** p2 - p1. */
  readonly difference: number;
  readonly p1: number;
  readonly p2: number;
  /** Pooled two-proportion z statistic; 0 when both proportions are 0 or 1. */
  readonly z: number;
  /** Two-sided p-value of z (1 when z is 0). */
  readonly pValue: number;
  /** Unpooled (Wald) 1 - alpha interval of p2 - p1. */
  readonly interval: readonly [number, number];
}

const checkTrials = (x: number, n: number, what: string) => {
  if (!(Number.isFinite(x) && Number.isFinite(n) && n > 0 && x >= 0 && x <= n)) {
    throw new StatisticsInputError(`${what}: need 0 <= successes <= trials and trials > 0, got ${x} of ${n}`);
  }
};

/** Two-sided p-value of a standard normal statistic: P(|Z| > |z|) = P(chi2_1 > z^2). */
export function normalTwoSidedP(z: number): number {
  return z === 0 ? 1 : chiSquareSf(z * z, 1);
}

/**
 * The last few critical values computed: a process uses one or two alphas (the configured one and
 * twice it), and the quantile (an inverse incomplete gamma) costs more than a whole proportion test.
 */
const criticalCache = new Map<number, number>();

/** The standard normal quantile z_{1 - alpha/2} (two-sided critical value). */
export function normalCritical(alpha: number): number {
  const cached = criticalCache.get(alpha);
  if (cached !== undefined) return cached;
  checkProbability(alpha, 'alpha');
  const z = Math.sqrt(chiSquareQuantile(1 - alpha, 1));
  if (criticalCache.size >= 16) criticalCache.clear();
  criticalCache.set(alpha, z);
  return z;
}

/**
 * Two-proportion z-test of x1/n1 against x2/n2 (independent samples):
 *
 *   p = (x1 + x2) / (n1 + n2),  z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2))
 *
 * two-sided p-value from the normal limit; interval: p2 - p1 +- z_{1-alpha/2}
 * sqrt(p1 (1 - p1)/n1 + p2 (1 - p2)/n2). Equivalent to the chi-square test of the 2x2 table
 * without continuity correction (scipy.stats.chi2_contingency(correction=False)).
 * Reference: Agresti (2013), "Categorical Data Analysis", 3rd ed., 3.1.
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number, alpha = 0.05): ProportionDifference {
  checkTrials(x1, n1, 'first group');
  checkTrials(x2, n2, 'second group');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  const se0 = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  const z = se0 > 0 ? (p2 - p1) / se0 : 0;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const zc = normalCritical(alpha);
  return {
    difference: p2 - p1,
    p1,
    p2,
    z,
    pValue: normalTwoSidedP(z),
    interval: [p2 - p1 - zc * se, p2 - p1 + zc * se],
  };
}

/**
 * Wilson score interval of a proportion x/n at level 1 - alpha:
 *
 *   (p + z^2/2n +- z sqrt(p (1 - p)/n + z^2/4n^2)) / (1 + z^2/n)
 *
 * Reference: Wilson (1927), JASA 22(158); Brown, Cai & DasGupta (2001), Stat. Sci. 16(2).
 */
export function wilsonInterval(x: number, n: number, alpha = 0.05): readonly [number, number] {
  checkTrials(x, n, 'proportion');
  const z = normalCritical(alpha);
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const d = 1 + z2 / n;
  return [Math.max(0, (centre - half) / d), Math.min(1, (centre + half) / d)];
}

/**
 * Standard error of an ROC AUC A estimated from nPos positives and nNeg negatives:
 *
 *   Q1 = A / (2 - A),  Q2 = 2 A^2 / (1 + A)
 *   SE^2 = (A (1 - A) + (nPos - 1)(Q1 - A^2) + (nNeg - 1)(Q2 - A^2)) / (nPos nNeg)
 *
 * Reference: Hanley & McNeil (1982), Radiology 143(1), eq. 2.
 */
export function aucStandardError(auc: number, nPos: number, nNeg: number): number {
  if (!(auc >= 0 && auc <= 1)) throw new StatisticsInputError(`AUC must be in [0, 1], got ${auc}`);
  if (!(nPos > 0 && nNeg > 0))
    throw new StatisticsInputError(`AUC standard error needs both labels (positives ${nPos}, negatives ${nNeg})`);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v = (auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg);
  return Math.sqrt(Math.max(0, v));
}

export interface MeanDifference {
  /** b - a. */
  readonly difference: number;
  readonly z: number;
  readonly pValue: number;
}

/**
 * Difference of two independent estimates a and b with standard errors seA and seB:
 * z = (b - a) / sqrt(seA^2 + seB^2), two-sided normal p-value (1 when both errors are 0).
 * Used for AUC differences of disjoint traffic (Hanley & McNeil 1983 without the correlation
 * term, which is 0 for independent samples).
 * Reference: Hanley & McNeil (1983), Radiology 148(3).
 */
export function independentDifference(a: number, seA: number, b: number, seB: number): MeanDifference {
  const se = Math.sqrt(seA * seA + seB * seB);
  const z = se > 0 ? (b - a) / se : 0;
  return { difference: b - a, z, pValue: normalTwoSidedP(z) };
}
