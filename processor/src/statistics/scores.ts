/**
 * Label-split score histograms: the input of calibration, threshold metrics
 * and ROC AUC for binary classifiers.
 */
import { assertValidExplicitHistogram } from '@otel-ml/conventions';
import type { ExplicitHistogram } from '@otel-ml/conventions';
import { StatisticsInputError, checkBoundaries, checkCounts, checkFinite } from './validate.js';

export interface LabelSplitScores {
  /** Score bucket boundaries within [0, 1] (the registry's 0.005, 0.010, ..., 0.995). */
  readonly boundaries: readonly number[];
  /** Per score bucket, rows whose true label is positive. */
  readonly positive: readonly number[];
  /** Per score bucket, rows whose true label is negative. */
  readonly negative: readonly number[];
  /** Optional exact sum of the predicted scores per bucket (both labels); makes ECE exact. */
  readonly scoreSums?: readonly number[];
  /** Optional exact sum of the positive rows' scores (e.g. the positive-label histogram's `sum`). */
  readonly positiveScoreSum?: number;
  /** Optional exact sum of squared scores over all rows; with `positiveScoreSum`, makes Brier exact. */
  readonly scoreSquareSum?: number;
}

/**
 * Builds {@link LabelSplitScores} from score histograms keyed by true label
 * (as in the baseline's `outcomes.scoreByLabel` and the ml.outcome.score
 * metric): `positiveLabel` is positive, every other label negative. All
 * histograms must share boundaries. The positive histogram's `sum`, when
 * finite, becomes `positiveScoreSum`.
 */
export function labelSplitScores(
  byLabel: Readonly<Record<string, ExplicitHistogram>>,
  positiveLabel = '1',
): LabelSplitScores {
  const labels = Object.keys(byLabel);
  if (labels.length === 0) throw new StatisticsInputError('no score histograms');
  const boundaries = byLabel[labels[0]!]!.boundaries;
  const positive = new Array<number>(boundaries.length + 1).fill(0);
  const negative = new Array<number>(boundaries.length + 1).fill(0);
  for (const label of labels) {
    const h = byLabel[label]!;
    assertValidExplicitHistogram(h, `score histogram for label ${label}`);
    if (h.boundaries.length !== boundaries.length || h.boundaries.some((b, i) => b !== boundaries[i])) {
      throw new StatisticsInputError(
        `mismatched boundaries: score histogram for label ${label} has other boundaries than label ${labels[0]}`,
      );
    }
    const into = label === positiveLabel ? positive : negative;
    h.counts.forEach((c, i) => (into[i]! += c));
  }
  const pos = byLabel[positiveLabel];
  const base = { boundaries: [...boundaries], positive, negative };
  return pos !== undefined && Number.isFinite(pos.sum) ? { ...base, positiveScoreSum: pos.sum } : base;
}

/** Validated view of {@link LabelSplitScores} with each bucket's score range [lo, hi] within [0, 1]. */
export interface ScoreBuckets {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly positive: readonly number[];
  readonly negative: readonly number[];
  readonly positives: number;
  readonly negatives: number;
}

/**
 * Checks `s` and returns the buckets' ranges. Scores are taken to lie in
 * [0, 1]: the open first bucket is [0, b0] and the open last bucket [b_last, 1].
 */
export function scoreBuckets(s: LabelSplitScores): ScoreBuckets {
  const b = s.boundaries;
  checkBoundaries(b, 'score boundaries');
  if (b.length > 0 && (b[0]! < 0 || b[b.length - 1]! > 1))
    throw new StatisticsInputError('score boundaries must lie within [0, 1]');
  const k = b.length + 1;
  if (s.positive.length !== k || s.negative.length !== k) {
    throw new StatisticsInputError(
      `mismatched boundaries: ${b.length} score boundaries need ${k} counts per label, got ${s.positive.length} positive and ${s.negative.length} negative`,
    );
  }
  const positives = checkCounts(s.positive, 'positive-label counts');
  const negatives = checkCounts(s.negative, 'negative-label counts');
  if (s.scoreSums !== undefined) {
    if (s.scoreSums.length !== k)
      throw new StatisticsInputError(`scoreSums has ${s.scoreSums.length} entries for ${k} buckets`);
    s.scoreSums.forEach((v, i) => checkFinite(v, `scoreSums[${i}]`));
  }
  if (s.positiveScoreSum !== undefined) checkFinite(s.positiveScoreSum, 'positiveScoreSum');
  if (s.scoreSquareSum !== undefined) checkFinite(s.scoreSquareSum, 'scoreSquareSum');
  const lo = new Float64Array(k);
  const hi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    lo[i] = i === 0 ? 0 : b[i - 1]!;
    hi[i] = i === k - 1 ? 1 : b[i]!;
  }
  return { lo, hi, positive: s.positive, negative: s.negative, positives, negatives };
}
