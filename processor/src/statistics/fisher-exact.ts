import gammaln from '@stdlib/math-base-special-gammaln';
import { StatisticsInputError } from './validate.js';

const checkTrials = (x: number, n: number, what: string) => {
  if (!(Number.isInteger(x) && Number.isInteger(n) && n > 0 && x >= 0 && x <= n)) {
    throw new StatisticsInputError(`${what}: need integers 0 <= successes <= trials and trials > 0, got ${x} of ${n}`);
  }
};

const lnChoose = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/**
 * One-sided p-value of Fisher's exact test of x1/n1 against x2/n2 (independent samples): with the
 * margins of the 2x2 table fixed, the first group's successes A follow the hypergeometric law
 *
 *   P(A = k) = C(K, k) C(T - K, n1 - k) / C(T, n1),   T = n1 + n2,  K = x1 + x2,
 *
 * and the p-value is P(A >= x1) for `greater` (the first group's proportion is larger) or
 * P(A <= x1) for `less`. Exact at any counts, which matters for rare events (a few flagged rows
 * per window), where the normal approximation of the two-proportion z-test overstates
 * significance. The tail is summed term by term with the ratio
 * P(k+1)/P(k) = (K-k)(n1-k) / ((k+1)(T-K-n1+k+1)) from a log-gamma start, stopping once the
 * terms no longer change the sum. Equal to scipy.stats.fisher_exact([[x1, n1-x1], [x2, n2-x2]],
 * alternative=...).
 * Reference: Fisher (1935), J. R. Stat. Soc. 98(1); Agresti (2013), "Categorical Data Analysis",
 * 3rd ed., 3.5.1.
 */
export function fisherExactOneSided(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  alternative: 'greater' | 'less',
): number {
  checkTrials(x1, n1, 'first group');
  checkTrials(x2, n2, 'second group');
  const T = n1 + n2;
  const K = x1 + x2;
  const lo = Math.max(0, n1 - (T - K));
  const hi = Math.min(K, n1);
  const lnDenominator = lnChoose(T, n1);
  const pmf = (k: number): number => Math.exp(lnChoose(K, k) + lnChoose(T - K, n1 - k) - lnDenominator);
  const step = alternative === 'greater' ? 1 : -1;
  const end = alternative === 'greater' ? hi : lo;
  let k = x1;
  let term = pmf(k);
  let sum = term;
  while (k !== end) {
    const ratio =
      step > 0
        ? ((K - k) * (n1 - k)) / ((k + 1) * (T - K - n1 + k + 1))
        : (k * (T - K - n1 + k)) / ((K - k + 1) * (n1 - k + 1));
    k += step;
    term *= ratio;
    const before = sum;
    sum += term;
    // Past the mode the terms only shrink; stop when they no longer count.
    if (sum === before && ratio < 1) break;
  }
  return Math.min(1, sum);
}
