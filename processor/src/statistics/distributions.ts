/**
 * Null distributions used for p-values and critical values: the chi-square
 * distribution and the Kolmogorov distribution (the limit law of the
 * Kolmogorov-Smirnov statistic).
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';
import { StatisticsInputError, checkProbability } from './validate.js';

function checkDof(dof: number): void {
  if (!(Number.isInteger(dof) && dof > 0))
    throw new StatisticsInputError(`degrees of freedom must be a positive integer, got ${dof}`);
}

/**
 * Chi-square survival function P(X > x) for X ~ chi2(dof).
 *
 * Formula: Q(dof/2, x/2), the regularized upper incomplete gamma function,
 * evaluated by @stdlib/math-base-special-gammainc (which computes the upper
 * tail directly, so tiny p-values keep their relative precision).
 * Reference: Abramowitz & Stegun (1964) 26.4.19; NIST DLMF 8.2.
 */
export function chiSquareSf(x: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(x)) throw new StatisticsInputError('chi-square statistic is NaN');
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return gammainc(x / 2, dof / 2, true, true);
}

/** Chi-square CDF P(X <= x) = P(dof/2, x/2) (regularized lower incomplete gamma; A&S 26.4.19). */
export function chiSquareCdf(x: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(x)) throw new StatisticsInputError('chi-square statistic is NaN');
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  return gammainc(x / 2, dof / 2, true, false);
}

/**
 * Chi-square quantile: the x with P(X <= x) = p, X ~ chi2(dof), by
 * @stdlib/stats-base-dists-chisquare-quantile (inverse of the regularized
 * incomplete gamma function; DiDonato & Morris 1986).
 */
export function chiSquareQuantile(p: number, dof: number): number {
  checkDof(dof);
  checkProbability(p, 'chi-square quantile probability');
  return chisquareQuantile(p, dof);
}

const MAX_TERMS = 100;

/**
 * Survival function of the Kolmogorov distribution, P(K > x), where
 * K = sup |B(t)| of a Brownian bridge is the limit of sqrt(n) D_n.
 *
 * Formulas (Kolmogorov 1933; Marsaglia, Tsang & Wang 2003, J. Stat. Softw. 8(18)):
 *   x >= 1:  P(K > x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2)
 *   x <  1:  P(K <= x) = sqrt(2 pi)/x sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 x^2))
 * Both series converge geometrically on their ranges; equals scipy.stats.kstwobign.sf.
 */
export function kolmogorovSf(x: number): number {
  if (Number.isNaN(x)) throw new StatisticsInputError('Kolmogorov argument is NaN');
  if (x <= 0) return 1;
  if (x < 1) return 1 - kolmogorovCdfSmall(x);
  let sum = 0;
  for (let k = 1; k <= MAX_TERMS; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * Math.abs(sum)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** CDF of the Kolmogorov distribution, P(K <= x) (see {@link kolmogorovSf}). */
export function kolmogorovCdf(x: number): number {
  if (Number.isNaN(x)) throw new StatisticsInputError('Kolmogorov argument is NaN');
  if (x <= 0) return 0;
  if (x < 1) return kolmogorovCdfSmall(x);
  return 1 - kolmogorovSf(x);
}

function kolmogorovCdfSmall(x: number): number {
  const c = (Math.PI * Math.PI) / (8 * x * x);
  let sum = 0;
  for (let k = 1; k <= MAX_TERMS; k++) {
    const j = 2 * k - 1;
    const term = Math.exp(-j * j * c);
    sum += term;
    if (term < 1e-17 * sum || term === 0) break;
  }
  return Math.min(1, (Math.sqrt(2 * Math.PI) / x) * sum);
}

/**
 * Quantile of the Kolmogorov distribution: the x with P(K <= x) = p, found by
 * bisection on [0, 10] (P(K > 10) < 1e-86), at most 200 halvings; the upper
 * half (p > 0.5) is solved on the survival function for precision.
 */
export function kolmogorovQuantile(p: number): number {
  checkProbability(p, 'Kolmogorov quantile probability');
  let lo = 0;
  let hi = 10;
  const upper = p > 0.5;
  const target = upper ? 1 - p : p;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    const v = upper ? kolmogorovSf(mid) : kolmogorovCdf(mid);
    // cdf increases with x, sf decreases.
    if (upper ? v > target : v < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
