/**
 * Welch's t-test of two means from summary statistics (unequal variances):
 *
 *   d = mean_b - mean_a,  se = sqrt(v_a / n_a + v_b / n_b),  t = d / se,
 *   df = se^4 / ((v_a / n_a)^2 / (n_a - 1) + (v_b / n_b)^2 / (n_b - 1))   (Welch-Satterthwaite)
 *
 * with one- and two-sided p-values from Student's t with df degrees of freedom and the interval
 * d +- t_{1 - alpha/2, df} se. The same numbers as scipy.stats.ttest_ind_from_stats(...,
 * equal_var=False). References: B. L. Welch (1947), "The generalization of 'Student's' problem
 * when several different population variances are involved", Biometrika 34; F. E. Satterthwaite
 * (1946), Biometrics Bulletin 2(6).
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { Moments } from './histogram-moments.js';
import { StatisticsInputError, checkProbability } from './validate.js';

export interface WelchTest {
  /** mean_b - mean_a. */
  readonly difference: number;
  readonly standardError: number;
  readonly t: number;
  readonly df: number;
  /** P(T <= t): H1 mean_b < mean_a. */
  readonly pLess: number;
  /** P(T >= t): H1 mean_b > mean_a. */
  readonly pGreater: number;
  readonly pTwoSided: number;
  /** 1 - alpha interval of the difference. */
  readonly interval: readonly [number, number];
}

/** Welch's test of b against a (see the module comment). Both need at least 2 values. */
export function welchTest(a: Moments, b: Moments, alpha = 0.05): WelchTest {
  checkProbability(alpha, 'alpha');
  for (const [m, what] of [
    [a, 'first'],
    [b, 'second'],
  ] as const) {
    if (!(m.count >= 2 && Number.isFinite(m.mean) && m.variance >= 0 && Number.isFinite(m.variance))) {
      throw new StatisticsInputError(`welch: the ${what} group needs at least 2 values and a finite mean and variance`);
    }
  }
  const qa = a.variance / a.count;
  const qb = b.variance / b.count;
  const difference = b.mean - a.mean;
  const se = Math.sqrt(qa + qb);
  if (se === 0) {
    // no spread on either side: the means differ or they do not
    const p = difference === 0 ? 1 : 0;
    return {
      difference,
      standardError: 0,
      t: difference === 0 ? 0 : Math.sign(difference) * Infinity,
      df: a.count + b.count - 2,
      pLess: difference < 0 ? 0 : 1,
      pGreater: difference > 0 ? 0 : 1,
      pTwoSided: p,
      interval: [difference, difference],
    };
  }
  const df = (qa + qb) ** 2 / ((qa * qa) / (a.count - 1) + (qb * qb) / (b.count - 1));
  const t = difference / se;
  const pLess = tCdf(t, df);
  const pGreater = tCdf(-t, df);
  const half = tQuantile(1 - alpha / 2, df) * se;
  return {
    difference,
    standardError: se,
    t,
    df,
    pLess,
    pGreater,
    pTwoSided: Math.min(1, 2 * Math.min(pLess, pGreater)),
    interval: [difference - half, difference + half],
  };
}
