import { StatisticsInputError } from './validate.js';

/**
 * Benjamini-Hochberg adjusted p-values (q-values) for m hypotheses tested
 * together (e.g. a model's features in one window), in the input order:
 *
 *   p(1) <= ... <= p(m),   adjusted p(i) = min_{j >= i} min(1, m p(j) / j)
 *
 * Rejecting every hypothesis with adjusted p <= alpha controls the false
 * discovery rate at alpha (and the family-wise error rate when all nulls are
 * true). Equals statsmodels multipletests(method='fdr_bh')[1]. Throws on a
 * p-value outside [0, 1] or NaN.
 * Reference: Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1).
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new StatisticsInputError(`p-value ${i} is not in [0, 1] (${p})`);
  });
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r]!;
    running = Math.min(running, (m * pValues[i]!) / (r + 1));
    adjusted[i] = running;
  }
  return adjusted;
}
