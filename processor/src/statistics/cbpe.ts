/**
 * Label-free performance estimation for binary classifiers, confidence-based (CBPE): a
 * calibration map learnt per score bucket from the reference's label-split score histograms
 * turns the current window's score histogram into expected positives and negatives per bucket,
 * from which the usual metrics follow.
 */
import { binaryMetricsAtThreshold } from './classification.js';
import { rocAuc } from './roc-auc.js';
import { scoreBuckets, type LabelSplitScores } from './scores.js';
import { StatisticsInputError, checkBoundaries, checkCounts } from './validate.js';

/** P(label = positive | score bucket), one value per bucket of `boundaries`. */
export interface CalibrationMap {
  readonly boundaries: readonly number[];
  /** Calibrated probability per bucket (non-decreasing in the score). */
  readonly probability: readonly number[];
  /** Reference rows with an outcome that informed the map. */
  readonly support: number;
}

/**
 * Weighted pool-adjacent-violators: the non-decreasing sequence f minimising
 * sum_i w_i (y_i - f_i)^2 (isotonic regression).
 * Reference: Barlow, Bartholomew, Bremner & Brunk (1972), "Statistical Inference under Order
 * Restrictions"; Zadrozny & Elkan (2002), KDD (isotonic calibration of classifier scores).
 */
export function isotonicFit(y: readonly number[], w: readonly number[]): number[] {
  if (y.length !== w.length) throw new StatisticsInputError(`isotonic fit: ${y.length} values and ${w.length} weights`);
  const value: number[] = [];
  const weight: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let v = y[i]!;
    let wt = w[i]!;
    let n = 1;
    while (value.length > 0 && value[value.length - 1]! > v) {
      const pw = weight.pop()!;
      const pv = value.pop()!;
      n += size.pop()!;
      v = (pv * pw + v * wt) / (pw + wt);
      wt += pw;
    }
    value.push(v);
    weight.push(wt);
    size.push(n);
  }
  const out: number[] = [];
  value.forEach((v, k) => {
    for (let j = 0; j < size[k]!; j++) out.push(v);
  });
  return out;
}

/**
 * Calibration map from the reference's outcomes. Per score bucket i with outcomes, the observed
 * positive rate r_i = pos_i / (pos_i + neg_i) is smoothed by isotonic regression weighted by the
 * bucket's outcome count (a calibrated score is a non-decreasing function of the raw one);
 * buckets without reference outcomes take the linear interpolation, by bucket midpoint, of the
 * fitted values of their nearest non-empty neighbours (the end value beyond the ends).
 * This is the isotonic calibrator of NannyML's CBPE, applied to histograms instead of rows.
 * Throws when the reference has no outcomes.
 * Reference: NannyML, "Confidence-based Performance Estimation" (docs, how it works);
 * Zadrozny & Elkan (2002).
 */
export function calibrationMap(reference: LabelSplitScores): CalibrationMap {
  const sb = scoreBuckets(reference);
  const k = sb.lo.length;
  const idx: number[] = [];
  const rate: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < k; i++) {
    const n = sb.positive[i]! + sb.negative[i]!;
    if (n > 0) {
      idx.push(i);
      rate.push(sb.positive[i]! / n);
      weight.push(n);
    }
  }
  if (idx.length === 0) throw new StatisticsInputError('calibration map: the reference has no outcomes');
  const fit = isotonicFit(rate, weight);
  const mid = (i: number) => (sb.lo[i]! + sb.hi[i]!) / 2;
  const probability = new Array<number>(k);
  let j = 0;
  for (let i = 0; i < k; i++) {
    while (j < idx.length - 1 && idx[j + 1]! <= i) j++;
    if (i <= idx[0]!) probability[i] = fit[0]!;
    else if (i >= idx[idx.length - 1]!) probability[i] = fit[fit.length - 1]!;
    else if (idx[j] === i) probability[i] = fit[j]!;
    else {
      const a = idx[j]!;
      const b = idx[j + 1]!;
      const t = (mid(i) - mid(a)) / (mid(b) - mid(a));
      probability[i] = fit[j]! + t * (fit[j + 1]! - fit[j]!);
    }
  }
  return { boundaries: [...reference.boundaries], probability, support: sb.positives + sb.negatives };
}

export interface EstimatedPerformance {
  /** Rows of the current score histogram. */
  readonly count: number;
  readonly threshold: number;
  /** Expected confusion counts (fractional). */
  readonly expected: { readonly tp: number; readonly fp: number; readonly tn: number; readonly fn: number };
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Null when the expected positives or negatives are 0. */
  readonly rocAuc: number | null;
  /**
   * Standard deviation of the realized accuracy around the estimate if the map is right:
   * sqrt(sum_i c_i q_i (1 - q_i)) / n, q_i the probability that a row of bucket i is classified
   * correctly (p_i above the threshold, 1 - p_i at or below).
   */
  readonly accuracyStdError: number;
  /** The same label split the metrics were computed on: expected positives/negatives per bucket. */
  readonly expectedSplit: LabelSplitScores;
}

/**
 * Estimated binary metrics of a window from its score histogram alone. With c_i rows in bucket i
 * and calibrated probability p_i, the bucket holds c_i p_i expected positives and
 * c_i (1 - p_i) expected negatives; rows above `threshold` are predicted positive, so
 *
 *   E[tp] = sum_{i > cut} c_i p_i,  E[fp] = sum_{i > cut} c_i (1 - p_i),
 *   E[fn] = sum_{i <= cut} c_i p_i, E[tn] = sum_{i <= cut} c_i (1 - p_i)
 *
 * and accuracy, precision, recall and F1 are those of the expected counts; ROC AUC is the
 * trapezoid AUC ({@link rocAuc}) of the expected split, i.e. the area under the expected ROC
 * curve traced through the bucket boundaries. Unbiased for accuracy when the map is the true
 * P(y | score) of the current data: covariate shift that leaves P(y | x) unchanged keeps it.
 * `counts` must be on the map's boundaries and `threshold` one of them.
 * Reference: NannyML CBPE (docs, "Estimation of Performance of the Monitored Model").
 */
export function estimatePerformance(
  map: CalibrationMap,
  counts: readonly number[],
  threshold = 0.5,
): EstimatedPerformance {
  checkBoundaries(map.boundaries, 'calibration map boundaries');
  const k = map.boundaries.length + 1;
  if (counts.length !== k)
    throw new StatisticsInputError(
      `mismatched boundaries: the calibration map has ${k} buckets, the score histogram ${counts.length}`,
    );
  const n = checkCounts(counts, 'score counts');
  if (n <= 0) throw new StatisticsInputError('performance estimate: the score histogram is empty');
  const positive = counts.map((c, i) => c * map.probability[i]!);
  const negative = counts.map((c, i) => c - positive[i]!);
  const split: LabelSplitScores = { boundaries: map.boundaries, positive, negative };
  const m = binaryMetricsAtThreshold(split, threshold);
  // q_i (1 - q_i) = p_i (1 - p_i) whichever side of the threshold bucket i is on.
  let variance = 0;
  for (let i = 0; i < k; i++) {
    const p = map.probability[i]!;
    variance += counts[i]! * p * (1 - p);
  }
  const both = m.tp + m.fn > 0 && m.tn + m.fp > 0;
  return {
    count: n,
    threshold,
    expected: { tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn },
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    rocAuc: both ? rocAuc(split) : null,
    accuracyStdError: Math.sqrt(variance) / n,
    expectedSplit: split,
  };
}
