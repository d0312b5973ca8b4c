import { scoreBuckets } from './scores.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError } from './validate.js';

export interface DelongAuc {
  /** ROC AUC (ties count one half), as {@link rocAuc}. */
  readonly auc: number;
  /** DeLong variance of the AUC estimate. */
  readonly variance: number;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * ROC AUC and its DeLong variance from label-split score histograms.
 *
 * Structural components (placements): for a positive row in bucket i and a negative row in
 * bucket j, with rows of the same bucket counted as ties (one half),
 *
 *   V10_i = (neg_{<i} + neg_i / 2) / N,   V01_j = (pos_{>j} + pos_j / 2) / P,
 *   AUC = mean of V10 over positives = mean of V01 over negatives,
 *   S10 = sum_i pos_i (V10_i - AUC)^2 / (P - 1),   S01 = sum_j neg_j (V01_j - AUC)^2 / (N - 1),
 *   Var(AUC) = S10 / P + S01 / N.
 *
 * Exact for the bucketed scores (every row of a bucket has the same placement), so it equals
 * the DeLong variance of the raw scores rounded to their buckets. Needs at least two rows of
 * each label (the sample variances are undefined otherwise).
 * References: DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44(3), "Comparing the areas
 * under two or more correlated receiver operating characteristic curves"; Sun & Xu (2014),
 * IEEE Signal Process. Lett. 21(11) (the placement form used here).
 */
export function delongAuc(s: LabelSplitScores): DelongAuc {
  const sb = scoreBuckets(s);
  const P = sb.positives;
  const N = sb.negatives;
  if (P < 2 || N < 2)
    throw new StatisticsInputError(
      `DeLong variance needs at least two rows of each label (positives ${P}, negatives ${N})`,
    );
  const k = sb.lo.length;
  const v10 = new Float64Array(k);
  const v01 = new Float64Array(k);
  let below = 0;
  for (let i = 0; i < k; i++) {
    v10[i] = (below + sb.negative[i]! / 2) / N;
    below += sb.negative[i]!;
  }
  let above = 0;
  for (let i = k - 1; i >= 0; i--) {
    v01[i] = (above + sb.positive[i]! / 2) / P;
    above += sb.positive[i]!;
  }
  let auc = 0;
  for (let i = 0; i < k; i++) auc += sb.positive[i]! * v10[i]!;
  auc /= P;
  let s10 = 0;
  let s01 = 0;
  for (let i = 0; i < k; i++) {
    s10 += sb.positive[i]! * (v10[i]! - auc) ** 2;
    s01 += sb.negative[i]! * (v01[i]! - auc) ** 2;
  }
  s10 /= P - 1;
  s01 /= N - 1;
  return { auc, variance: s10 / P + s01 / N, positives: P, negatives: N };
}
