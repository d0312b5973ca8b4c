import { scoreBuckets } from './scores.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError } from './validate.js';

/**
 * ROC AUC from label-split score histograms: the probability that a random
 * positive row scores above a random negative one, with rows in the same
 * bucket counted as ties (one half):
 *
 *   AUC = sum_i pos_i (neg_{<i} + neg_i / 2) / (P N)
 *
 * which is the area under the ROC curve traced through the bucket boundaries
 * with straight (trapezoid) segments. Exact for the bucketed scores; against
 * raw scores the error is at most half the within-bucket pair share.
 * Throws when either label has no rows.
 * Reference: Hanley & McNeil (1982), Radiology 143(1); Fawcett (2006),
 * Pattern Recognit. Lett. 27(8), algorithm 3.
 */
export function rocAuc(s: LabelSplitScores): number {
  const sb = scoreBuckets(s);
  if (sb.positives === 0 || sb.negatives === 0) {
    throw new StatisticsInputError(`ROC AUC needs both labels (positives ${sb.positives}, negatives ${sb.negatives})`);
  }
  let below = 0;
  let sum = 0;
  for (let i = 0; i < sb.lo.length; i++) {
    sum += sb.positive[i]! * (below + sb.negative[i]! / 2);
    below += sb.negative[i]!;
  }
  return sum / (sb.positives * sb.negatives);
}
