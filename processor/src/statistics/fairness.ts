/**
 * Fairness across slices of a binary classifier's traffic (values of one allow-listed
 * `ml.slice.<key>`): per-slice rates with confidence intervals, and the group disparities
 * demographic parity difference, equal opportunity difference and disparate impact ratio, each
 * flagged only when it exceeds its limit AND the extreme slices differ significantly.
 */
import { calibration } from './calibration.js';
import type { BinaryCounts } from './classification.js';
import { twoProportionTest, wilsonInterval } from './comparison.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError, checkCounts } from './validate.js';

export interface SliceInput {
  readonly slice: string;
  /** Confusion counts at the decision threshold. */
  readonly counts: BinaryCounts;
  /** Label-split scores of the slice, for its calibration (optional). */
  readonly scores?: LabelSplitScores;
}

export interface SliceMetrics {
  readonly slice: string;
  readonly count: number;
  readonly positives: number;
  readonly accuracy: number;
  /** True positive rate tp / (tp + fn); null without positives. */
  readonly tpr: number | null;
  /** False positive rate fp / (fp + tn); null without negatives. */
  readonly fpr: number | null;
  /** Predicted-positive (selection) rate (tp + fp) / n. */
  readonly positiveRate: number;
  /** Wilson intervals at 1 - alpha. */
  readonly positiveRateInterval: readonly [number, number];
  readonly tprInterval: readonly [number, number] | null;
  readonly accuracyInterval: readonly [number, number];
  /** Observed positive rate (tp + fn) / n. */
  readonly baseRate: number;
  /** Expected calibration error on 10 bins (needs scores). */
  readonly ece: number | null;
  /** Mean score minus observed positive rate (needs scores with exact positive sums; else bucket midpoints). */
  readonly calibrationInTheLarge: number | null;
  /** count >= minCount: the slice takes part in the disparities. */
  readonly eligible: boolean;
}

export interface Disparity {
  readonly value: number;
  /** Slices with the lowest and the highest rate. */
  readonly lowest: string;
  readonly highest: string;
  /** Two-proportion test between the two extreme slices. */
  readonly pValue: number;
  readonly limit: number;
  /** Beyond the limit and significant at alpha. */
  readonly violated: boolean;
}

/** Defaults of {@link FairnessOptions}. */
export const FAIRNESS_DEFAULTS = {
  minCount: 30,
  alpha: 0.05,
  maxParityDifference: 0.1,
  maxOpportunityDifference: 0.1,
  minImpactRatio: 0.8,
} as const;

export interface FairnessOptions {
  /** Rows a slice needs to take part (default 30; for TPR, positives). */
  readonly minCount?: number;
  /** Significance level of the disparity tests and the intervals' 1 - alpha (default 0.05). */
  readonly alpha?: number;
  /** Limit of the demographic parity difference (default 0.1). */
  readonly maxParityDifference?: number;
  /** Limit of the equal opportunity difference (default 0.1). */
  readonly maxOpportunityDifference?: number;
  /** Minimum disparate impact ratio: the four-fifths rule (default 0.8). */
  readonly minImpactRatio?: number;
}

export interface Fairness {
  readonly slices: readonly SliceMetrics[];
  /** max - min selection rate over eligible slices; null with fewer than 2. */
  readonly demographicParityDifference: Disparity | null;
  /** max - min TPR over slices with at least minCount positives. */
  readonly equalOpportunityDifference: Disparity | null;
  /** min / max selection rate (1 when the max is 0). */
  readonly disparateImpactRatio: Disparity | null;
}

/** Mean score of label-split buckets placed at their midpoints, or exact with positiveScoreSum + scoreSums. */
function meanScore(s: LabelSplitScores): number | null {
  const n = s.positive.reduce((a, b) => a + b, 0) + s.negative.reduce((a, b) => a + b, 0);
  if (n <= 0) return null;
  if (s.scoreSums) return s.scoreSums.reduce((a, b) => a + b, 0) / n;
  let sum = 0;
  for (let i = 0; i <= s.boundaries.length; i++) {
    const lo = i === 0 ? 0 : s.boundaries[i - 1]!;
    const hi = i === s.boundaries.length ? 1 : s.boundaries[i]!;
    sum += (s.positive[i]! + s.negative[i]!) * ((lo + hi) / 2);
  }
  return sum / n;
}

function sliceMetrics(input: SliceInput, minCount: number, alpha: number): SliceMetrics {
  const { tp, fp, tn, fn } = input.counts;
  const n = checkCounts([tp, fp, tn, fn], `slice ${input.slice} counts`);
  if (n <= 0) throw new StatisticsInputError(`slice ${input.slice}: no rows`);
  const pos = tp + fn;
  const neg = fp + tn;
  let ece: number | null = null;
  let citl: number | null = null;
  if (input.scores) {
    const c = calibration(input.scores);
    ece = c.count > 0 ? c.ece : null;
    const m = meanScore(input.scores);
    citl = m === null ? null : m - pos / n;
  }
  return {
    slice: input.slice,
    count: n,
    positives: pos,
    accuracy: (tp + tn) / n,
    tpr: pos > 0 ? tp / pos : null,
    fpr: neg > 0 ? fp / neg : null,
    positiveRate: (tp + fp) / n,
    positiveRateInterval: wilsonInterval(tp + fp, n, alpha),
    tprInterval: pos > 0 ? wilsonInterval(tp, pos, alpha) : null,
    accuracyInterval: wilsonInterval(tp + tn, n, alpha),
    baseRate: pos / n,
    ece,
    calibrationInTheLarge: citl,
    eligible: n >= minCount,
  };
}

/** Successes back from a rate, clamped against rounding. */
const successes = (rate: number, n: number) => Math.min(n, Math.max(0, rate * n));

function extremes<T extends object>(items: readonly T[], rate: (t: T) => number): [T, T] {
  let lo = items[0]!;
  let hi = items[0]!;
  for (const t of items) {
    if (rate(t) < rate(lo)) lo = t;
    if (rate(t) > rate(hi)) hi = t;
  }
  return [lo, hi];
}

/**
 * Per-slice metrics and group disparities (definitions as Fairlearn's):
 *
 *   demographic parity difference = max_g sel_g - min_g sel_g,  sel_g = (tp_g + fp_g) / n_g
 *   equal opportunity difference  = max_g TPR_g - min_g TPR_g
 *   disparate impact ratio        = min_g sel_g / max_g sel_g   (four-fifths rule: >= 0.8)
 *
 * over slices with at least `minCount` rows (positives for TPR). A disparity is `violated` when
 * it is beyond its limit AND the two-proportion z-test between the lowest and the highest slice
 * rejects equality at `alpha`, so a small slice is not flagged on noise. Intervals: Wilson.
 * References: Feldman et al. (2015), KDD, "Certifying and Removing Disparate Impact";
 * Hardt, Price & Srebro (2016), NeurIPS, "Equality of Opportunity in Supervised Learning";
 * US EEOC Uniform Guidelines (1978), 29 CFR 1607.4(D) (four-fifths rule); Fairlearn metrics docs.
 */
export function fairness(inputs: readonly SliceInput[], opts: FairnessOptions = {}): Fairness {
  const minCount = opts.minCount ?? FAIRNESS_DEFAULTS.minCount;
  const alpha = opts.alpha ?? FAIRNESS_DEFAULTS.alpha;
  const slices = inputs
    .filter((s) => s.counts.tp + s.counts.fp + s.counts.tn + s.counts.fn > 0)
    .map((s) => sliceMetrics(s, minCount, alpha));
  const eligible = slices.filter((s) => s.eligible);
  let dpd: Disparity | null = null;
  let dir: Disparity | null = null;
  if (eligible.length >= 2) {
    const [lo, hi] = extremes(eligible, (s) => s.positiveRate);
    const test = twoProportionTest(
      successes(lo.positiveRate, lo.count),
      lo.count,
      successes(hi.positiveRate, hi.count),
      hi.count,
      alpha,
    );
    const significant = test.pValue < alpha;
    const limitD = opts.maxParityDifference ?? FAIRNESS_DEFAULTS.maxParityDifference;
    const limitR = opts.minImpactRatio ?? FAIRNESS_DEFAULTS.minImpactRatio;
    const diff = hi.positiveRate - lo.positiveRate;
    const ratio = hi.positiveRate > 0 ? lo.positiveRate / hi.positiveRate : 1;
    dpd = {
      value: diff,
      lowest: lo.slice,
      highest: hi.slice,
      pValue: test.pValue,
      limit: limitD,
      violated: diff > limitD && significant,
    };
    dir = {
      value: ratio,
      lowest: lo.slice,
      highest: hi.slice,
      pValue: test.pValue,
      limit: limitR,
      violated: ratio < limitR && significant,
    };
  }
  let eod: Disparity | null = null;
  const withPositives = slices.filter((s) => s.positives >= minCount && s.tpr !== null);
  if (withPositives.length >= 2) {
    const [lo, hi] = extremes(withPositives, (s) => s.tpr!);
    const test = twoProportionTest(
      successes(lo.tpr!, lo.positives),
      lo.positives,
      successes(hi.tpr!, hi.positives),
      hi.positives,
      alpha,
    );
    const limit = opts.maxOpportunityDifference ?? FAIRNESS_DEFAULTS.maxOpportunityDifference;
    const diff = hi.tpr! - lo.tpr!;
    eod = {
      value: diff,
      lowest: lo.slice,
      highest: hi.slice,
      pValue: test.pValue,
      limit,
      violated: diff > limit && test.pValue < alpha,
    };
  }
  return { slices, demographicParityDifference: dpd, equalOpportunityDifference: eod, disparateImpactRatio: dir };
}
