import { scoreBuckets } from './scores.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError, checkCounts, checkProbability } from './validate.js';

/** Binary confusion counts. */
export interface BinaryCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface BinaryMetrics extends BinaryCounts {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Accuracy, precision, recall and F1 from binary confusion counts:
 *
 *   accuracy = (tp + tn) / n,  precision = tp / (tp + fp),  recall = tp / (tp + fn),
 *   F1 = 2 tp / (2 tp + fp + fn)
 *
 * An undefined ratio (zero denominator) is reported as 0, as
 * scikit-learn's `zero_division=0`. Throws when there are no rows.
 * Reference: Powers (2011), J. Mach. Learn. Technol. 2(1); scikit-learn
 * `precision_recall_fscore_support`.
 */
export function binaryMetrics(c: BinaryCounts): BinaryMetrics {
  checkCounts([c.tp, c.fp, c.tn, c.fn], 'confusion counts');
  const n = c.tp + c.fp + c.tn + c.fn;
  if (n === 0) throw new StatisticsInputError('binary metrics: no rows');
  return {
    tp: c.tp,
    fp: c.fp,
    tn: c.tn,
    fn: c.fn,
    accuracy: (c.tp + c.tn) / n,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

/**
 * Confusion counts at a score threshold from label-split score histograms.
 * A row is predicted positive when its score is > threshold (the buckets hold
 * b[i-1] < s <= b[i], so this is exact when the threshold is a boundary, which
 * is required). Default threshold 0.5.
 */
export function confusionAtThreshold(s: LabelSplitScores, threshold = 0.5): BinaryCounts {
  checkProbability(threshold, 'threshold');
  const sb = scoreBuckets(s);
  const cut = s.boundaries.findIndex((b) => Math.abs(b - threshold) <= 1e-12);
  if (cut < 0)
    throw new StatisticsInputError(`threshold ${threshold} is not a score boundary, so counts at it are not exact`);
  let tp = 0;
  let fp = 0;
  for (let i = cut + 1; i < sb.lo.length; i++) {
    tp += sb.positive[i]!;
    fp += sb.negative[i]!;
  }
  return { tp, fp, fn: sb.positives - tp, tn: sb.negatives - fp };
}

/** {@link binaryMetrics} at a threshold of label-split score histograms (see {@link confusionAtThreshold}). */
export function binaryMetricsAtThreshold(s: LabelSplitScores, threshold = 0.5): BinaryMetrics {
  return binaryMetrics(confusionAtThreshold(s, threshold));
}

/** Confusion counts keyed predicted class -> true label -> count (the baseline's `outcomes.confusion`). */
export type Confusion = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** {@link binaryMetrics} from a predicted x label confusion table, with `positiveClass` as positive. */
export function binaryMetricsFromConfusion(confusion: Confusion, positiveClass = '1'): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const [predicted, row] of Object.entries(confusion)) {
    for (const [label, count] of Object.entries(row)) {
      checkCounts([count], `confusion[${predicted}][${label}]`);
      const p = predicted === positiveClass;
      const l = label === positiveClass;
      if (p && l) tp += count;
      else if (p) fp += count;
      else if (l) fn += count;
      else tn += count;
    }
  }
  return binaryMetrics({ tp, fp, tn, fn });
}

export interface ClassMetrics {
  readonly class: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true label is this class. */
  readonly support: number;
}

export interface MulticlassMetrics {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: readonly ClassMetrics[];
  readonly count: number;
}

/**
 * Multiclass accuracy and macro-averaged F1 from a confusion table
 * (predicted class -> true label -> count). Classes are the union of
 * predicted classes and labels (sorted); per class, precision/recall/F1 are
 * one-vs-rest with undefined ratios reported as 0, and macro F1 is their
 * unweighted mean, as scikit-learn f1_score(average='macro', zero_division=0).
 * Reference: Sokolova & Lapalme (2009), Inf. Process. Manage. 45(4).
 */
export function multiclassMetrics(confusion: Confusion): MulticlassMetrics {
  const classes = new Set<string>();
  const predictedTotal = new Map<string, number>();
  const labelTotal = new Map<string, number>();
  const diagonal = new Map<string, number>();
  let n = 0;
  for (const [predicted, row] of Object.entries(confusion)) {
    classes.add(predicted);
    for (const [label, count] of Object.entries(row)) {
      checkCounts([count], `confusion[${predicted}][${label}]`);
      classes.add(label);
      n += count;
      predictedTotal.set(predicted, (predictedTotal.get(predicted) ?? 0) + count);
      labelTotal.set(label, (labelTotal.get(label) ?? 0) + count);
      if (predicted === label) diagonal.set(label, count);
    }
  }
  if (n === 0) throw new StatisticsInputError('multiclass metrics: no rows');
  let correct = 0;
  const perClass = [...classes].sort().map((c): ClassMetrics => {
    const tp = diagonal.get(c) ?? 0;
    correct += tp;
    const precision = ratio(tp, predictedTotal.get(c) ?? 0);
    const recall = ratio(tp, labelTotal.get(c) ?? 0);
    const f1 = ratio(2 * tp, (predictedTotal.get(c) ?? 0) + (labelTotal.get(c) ?? 0));
    return { class: c, precision, recall, f1, support: labelTotal.get(c) ?? 0 };
  });
  const macroF1 = perClass.reduce((s, c) => s + c.f1, 0) / perClass.length;
  return { accuracy: correct / n, macroF1, perClass, count: n };
}
