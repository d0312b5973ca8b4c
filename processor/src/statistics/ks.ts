import type { ExplicitHistogram } from '@otel-ml/conventions';
import { kolmogorovSf } from './distributions.js';
import { checkSameBoundaries } from './same-boundaries.js';

export interface KsResult {
  /** D = max_i |F_ref(b_i) - F_cur(b_i)| over the shared boundaries. */
  readonly statistic: number;
  /** Asymptotic p-value P(K > sqrt(n_e) D), K ~ Kolmogorov. */
  readonly pValue: number;
  /** n_e = n m / (n + m). */
  readonly effectiveSampleSize: number;
}

/**
 * Two-sample Kolmogorov-Smirnov statistic from two histograms on the same
 * boundaries: the empirical CDFs are known exactly at the boundaries, so
 *
 *   D = max_i |F_ref(b_i) - F_cur(b_i)|,   F(b_i) = (counts[0] + ... + counts[i]) / total
 *
 * which is the raw-data statistic restricted to the boundaries (never larger;
 * with percentile boundaries it is within about one bucket's mass of it).
 * p-value: the Kolmogorov limit with the effective sample size n_e = n m/(n+m),
 * p = Q_K(sqrt(n_e) D), Q_K the survival function of the Kolmogorov
 * distribution (scipy.stats.kstwobign.sf). Because D is evaluated at fewer
 * points than the raw-data statistic, the test is conservative.
 * Reference: Smirnov (1948); Hollander, Wolfe & Chicken (2014), "Nonparametric
 * Statistical Methods", 3rd ed., 5.4.
 */
export function ksTest(ref: ExplicitHistogram, cur: ExplicitHistogram): KsResult {
  checkSameBoundaries(ref, cur);
  const n = ref.count;
  const m = cur.count;
  let a = 0;
  let b = 0;
  let d = 0;
  for (let i = 0; i < ref.boundaries.length; i++) {
    a += ref.counts[i]!;
    b += cur.counts[i]!;
    d = Math.max(d, Math.abs(a / n - b / m));
  }
  const ne = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(ne) * d), effectiveSampleSize: ne };
}
