import { chiSquareSf } from './distributions.js';
import { checkCountPair } from './validate.js';

export interface ChiSquareTest {
  /** Pearson's X^2. */
  readonly statistic: number;
  /** Degrees of freedom: (number of bins with a non-zero total) - 1. */
  readonly dof: number;
  /** P(chi2(dof) >= statistic); 1 when dof is 0. */
  readonly pValue: number;
}

/**
 * Pearson chi-square test of homogeneity on the 2 x B table whose rows are the
 * reference counts `p` and the current counts `q`:
 *
 *   E_rj = R_r C_j / T,   X^2 = sum_{r,j} (O_rj - E_rj)^2 / E_rj,   dof = (B' - 1)
 *
 * where columns with a zero total are dropped first and B' is the number kept.
 * No continuity correction: equals scipy.stats.chi2_contingency(table,
 * correction=False). With B' <= 1 the statistic is 0, dof 0, p-value 1.
 * Reference: Agresti (2013), "Categorical Data Analysis", 3rd ed., 3.2.
 */
export function chiSquareTest(p: ArrayLike<number>, q: ArrayLike<number>): ChiSquareTest {
  const { n, m } = checkCountPair(p, q);
  const t = n + m;
  let stat = 0;
  let cols = 0;
  for (let j = 0; j < p.length; j++) {
    const c = p[j]! + q[j]!;
    if (c === 0) continue;
    cols++;
    const e1 = (n * c) / t;
    const e2 = (m * c) / t;
    stat += (p[j]! - e1) ** 2 / e1 + (q[j]! - e2) ** 2 / e2;
  }
  const dof = cols - 1;
  if (dof <= 0) return { statistic: 0, dof: 0, pValue: 1 };
  return { statistic: stat, dof, pValue: chiSquareSf(stat, dof) };
}
