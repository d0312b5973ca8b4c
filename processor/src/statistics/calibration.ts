import { scoreBuckets } from './scores.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError } from './validate.js';

/** One bin of the reliability curve. meanPredicted/observedRate are absent for empty bins. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly meanPredicted?: number;
  readonly observedRate?: number;
}

export interface Calibration {
  /** Expected calibration error over the equal-width bins. */
  readonly ece: number;
  /** Maximum calibration error over the non-empty bins. */
  readonly mce: number;
  readonly brier: number;
  readonly count: number;
  readonly curve: readonly ReliabilityBin[];
  /** True when the bins' mean predicted scores come from exact per-bucket sums. */
  readonly exactMeans: boolean;
  /** Upper bound on |brier - exact Brier score| (0 when exact). */
  readonly brierErrorBound: number;
}

export interface CalibrationOptions {
  /** Number of equal-width bins on [0, 1] (default 10); each edge k/bins must be a score boundary. */
  readonly bins?: number;
}

/**
 * Calibration of a binary classifier from label-split score histograms.
 *
 * Bins: B equal-width bins (k/B, (k+1)/B] on [0, 1] (bin 0 includes 0), made of
 * whole score buckets, so every bin's count and observed positive rate are exact.
 *
 *   ECE = sum_k (n_k / n) |meanPredicted_k - observedRate_k|,   MCE = max_k |...|
 *
 * meanPredicted_k is exact when per-bucket score sums are given
 * (`scoreSums`); otherwise each row is placed at its bucket's midpoint, which
 * moves a bin's mean by at most half a bucket width (0.0025 for the registry's
 * buckets), hence ECE and MCE by at most that much.
 *
 * Brier = (1/n) sum (s - y)^2 = (S2 - 2 S1+ + n+) / n, with S2 = sum s^2 and
 * S1+ = sum of the positive rows' scores. Each is exact when given
 * (`scoreSquareSum`, `positiveScoreSum`); otherwise S2 uses per-bucket means
 * (from `scoreSums`) or midpoints c, and S1+ midpoints. Bound on the error,
 * reported as `brierErrorBound`: |s^2 - c^2| <= (w/2)(hi + c) and
 * |s - c| <= w/2 for a score s in a bucket [lo, hi] of width w (with bucket
 * means, |sum s^2 - n mean^2| = n var <= n w^2/4).
 * References: Naeini, Cooper & Hauskrecht (2015), AAAI, "Obtaining Well
 * Calibrated Probabilities Using Bayesian Binning" (ECE, MCE); Brier (1950),
 * Monthly Weather Review 78(1); Niculescu-Mizil & Caruana (2005), ICML
 * (reliability diagrams).
 */
export function calibration(s: LabelSplitScores, opts: CalibrationOptions = {}): Calibration {
  const B = opts.bins ?? 10;
  if (!(Number.isInteger(B) && B >= 1)) throw new StatisticsInputError(`bins must be a positive integer, got ${B}`);
  const sb = scoreBuckets(s);
  const n = sb.positives + sb.negatives;
  if (n === 0) throw new StatisticsInputError('calibration: no scored rows');
  const k = sb.lo.length;
  const mid = (i: number): number => (sb.lo[i]! + sb.hi[i]!) / 2;
  const rowsIn = (i: number): number => sb.positive[i]! + sb.negative[i]!;

  // Assign buckets to bins: bucket i belongs to the bin whose upper edge is the first edge >= hi[i].
  const binCount = new Float64Array(B);
  const binPos = new Float64Array(B);
  const binScore = new Float64Array(B);
  let bin = 0;
  for (let i = 0; i < k; i++) {
    while (bin < B - 1 && sb.hi[i]! > (bin + 1) / B + 1e-12) {
      bin++;
      if (sb.lo[i]! < bin / B - 1e-12)
        throw new StatisticsInputError(`calibration bin edge ${bin / B} is not a score boundary`);
    }
    binCount[bin] += rowsIn(i);
    binPos[bin] += sb.positive[i]!;
    binScore[bin] += s.scoreSums !== undefined ? s.scoreSums[i]! : rowsIn(i) * mid(i);
  }
  let ece = 0;
  let mce = 0;
  const curve: ReliabilityBin[] = [];
  for (let j = 0; j < B; j++) {
    const c = binCount[j]!;
    const lower = j / B;
    const upper = (j + 1) / B;
    if (c === 0) {
      curve.push({ lower, upper, count: 0 });
      continue;
    }
    const meanPredicted = binScore[j]! / c;
    const observedRate = binPos[j]! / c;
    const gap = Math.abs(meanPredicted - observedRate);
    ece += (c / n) * gap;
    mce = Math.max(mce, gap);
    curve.push({ lower, upper, count: c, meanPredicted, observedRate });
  }

  let s2 = 0;
  let s2Err = 0;
  let s1 = 0;
  let s1Err = 0;
  for (let i = 0; i < k; i++) {
    const w = sb.hi[i]! - sb.lo[i]!;
    const rows = rowsIn(i);
    if (rows === 0) continue;
    if (s.scoreSums !== undefined) {
      s2 += (s.scoreSums[i]! * s.scoreSums[i]!) / rows;
      s2Err += (rows * w * w) / 4;
    } else {
      s2 += rows * mid(i) * mid(i);
      s2Err += rows * (w / 2) * (sb.hi[i]! + mid(i));
    }
    s1 += sb.positive[i]! * mid(i);
    s1Err += (sb.positive[i]! * w) / 2;
  }
  if (s.scoreSquareSum !== undefined) {
    s2 = s.scoreSquareSum;
    s2Err = 0;
  }
  if (s.positiveScoreSum !== undefined) {
    s1 = s.positiveScoreSum;
    s1Err = 0;
  }
  const brier = Math.max(0, (s2 - 2 * s1 + sb.positives) / n);
  return {
    ece,
    mce,
    brier,
    count: n,
    curve,
    exactMeans: s.scoreSums !== undefined,
    brierErrorBound: (s2Err + 2 * s1Err) / n,
  };
}
