import type { ReliabilityBin } from './calibration.js';
import { multinomialSampler, seededUniform } from './random.js';
import { MAX_BOOTSTRAP_ITERATIONS } from './bootstrap.js';
import { StatisticsInputError, checkProbability } from './validate.js';
import { DEFAULT_ALPHA } from './defaults.js';

export interface CalibrationTestOptions {
  /** Resamples (default 1000; 1 to 10,000). */
  readonly iterations?: number;
  /** The interval is the (alpha, 1 - alpha) percentile interval (default 0.01). */
  readonly alpha?: number;
  /** PRNG seed (default 1): the same inputs give the same result. */
  readonly seed?: number;
}

export interface CalibrationTest {
  /** ECE of the current bins. */
  readonly ece: number;
  /** Mean ECE of windows of the same size and scores drawn under H0 (calibrated as the reference). */
  readonly expectedEce: number;
  /** ece - expectedEce: the calibration error beyond what sampling noise alone gives at this size. */
  readonly excess: number;
  /** Monte Carlo p-value of H0 (one-sided: ECE at least as large as observed), (1 + #{ECE* >= ece}) / (1 + B). */
  readonly pValue: number;
  /** Percentile bootstrap interval (alpha, 1 - alpha) of the current ECE, resampling rows. */
  readonly interval: readonly [number, number];
  readonly count: number;
}

const ece = (n: ArrayLike<number>, mean: ArrayLike<number>, positives: ArrayLike<number>, total: number): number => {
  let e = 0;
  for (let k = 0; k < n.length; k++) if (n[k]! > 0) e += (n[k]! / total) * Math.abs(mean[k]! - positives[k]! / n[k]!);
  return e;
};

/**
 * Is a window's calibration worse than its reference's, beyond sampling noise? Two bootstraps on
 * the reliability bins (count n_k, mean predicted score m_k, observed positive rate o_k):
 *
 * - H0 (parametric bootstrap, "consistency resampling"): the window is calibrated as the
 *   reference, so a bin's positives are X_k ~ Binomial(n_k, r_k) with r_k the reference's
 *   observed rate in that bin (m_k where the reference has no rows). Each draw gives
 *   ECE* = sum_k (n_k/n) |m_k - X_k/n_k|; their mean is the ECE expected at this window size
 *   (ECE is biased upward in small windows: |noise| > 0), and the p-value is the share of draws
 *   at least as large as the observed ECE.
 * - Interval (nonparametric bootstrap): rows resampled as Multinomial(n) over the (bin, label)
 *   cells, ECE recomputed with the bins' mean scores held; (alpha, 1 - alpha) percentiles.
 *
 * `excess = ece - expectedEce` is the effect size a verdict compares with its limit. Empty bins
 * (count 0) do not take part. Deterministic for a given seed.
 * References: Bröcker & Smith (2007), Weather and Forecasting 22(3), "Increasing the reliability
 * of reliability diagrams" (consistency resampling); Efron & Tibshirani (1993), "An Introduction
 * to the Bootstrap", ch. 13 and 16 (percentile intervals, bootstrap tests); Naeini et al. (2015),
 * AAAI (ECE).
 */
export function calibrationTest(
  current: readonly ReliabilityBin[],
  reference: readonly ReliabilityBin[],
  opts: CalibrationTestOptions = {},
): CalibrationTest {
  const iterations = opts.iterations ?? 1000;
  if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= MAX_BOOTSTRAP_ITERATIONS)) {
    throw new StatisticsInputError(
      `calibration test iterations must be an integer from 1 to ${MAX_BOOTSTRAP_ITERATIONS}, got ${iterations}`,
    );
  }
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  checkProbability(alpha, 'alpha');
  if (current.length !== reference.length)
    throw new StatisticsInputError(`current has ${current.length} calibration bins, the reference ${reference.length}`);
  const K = current.length;
  const n = new Float64Array(K);
  const mean = new Float64Array(K);
  const pos = new Float64Array(K);
  const nullRate = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) {
    const b = current[k]!;
    if (!(b.count >= 0 && Number.isFinite(b.count)))
      throw new StatisticsInputError(`calibration bin ${k}: count ${b.count} is not a non-negative number`);
    const c = Math.round(b.count);
    if (c === 0) continue;
    if (b.meanPredicted === undefined || b.observedRate === undefined)
      throw new StatisticsInputError(`calibration bin ${k} has rows but no mean score or observed rate`);
    n[k] = c;
    mean[k] = b.meanPredicted;
    pos[k] = Math.round(b.observedRate * c);
    const r = reference[k]!;
    nullRate[k] = r.count > 0 && r.observedRate !== undefined ? r.observedRate : b.meanPredicted;
    if (!(nullRate[k]! >= 0 && nullRate[k]! <= 1))
      throw new StatisticsInputError(`reference observed rate of bin ${k} must be in [0, 1], got ${nullRate[k]}`);
    total += c;
  }
  if (total === 0) throw new StatisticsInputError('calibration test: no rows in the current bins');
  const observed = ece(n, mean, pos, total);
  const sample = multinomialSampler(seededUniform(opts.seed ?? 1));

  const draws = new Float64Array(K);
  let sum = 0;
  let atLeast = 0;
  for (let it = 0; it < iterations; it++) {
    for (let k = 0; k < K; k++) draws[k] = n[k]! > 0 ? sample(n[k]!, [nullRate[k]!, 1 - nullRate[k]!])[0]! : 0;
    const e = ece(n, mean, draws, total);
    sum += e;
    if (e >= observed - 1e-12) atLeast++;
  }
  const expectedEce = sum / iterations;

  // Nonparametric: cells (bin k, positive) at 2k and (bin k, negative) at 2k+1.
  const cells = new Float64Array(2 * K);
  for (let k = 0; k < K; k++) {
    cells[2 * k] = pos[k]!;
    cells[2 * k + 1] = n[k]! - pos[k]!;
  }
  const values = new Float64Array(iterations);
  const rn = new Float64Array(K);
  const rp = new Float64Array(K);
  for (let it = 0; it < iterations; it++) {
    const s = sample(total, cells);
    for (let k = 0; k < K; k++) {
      rp[k] = s[2 * k]!;
      rn[k] = s[2 * k]! + s[2 * k + 1]!;
    }
    values[it] = ece(rn, mean, rp, total);
  }
  values.sort();
  const at = (p: number): number => {
    const h = (iterations - 1) * p;
    const lo = Math.floor(h);
    return values[lo]! + (h - lo) * (values[Math.min(lo + 1, iterations - 1)]! - values[lo]!);
  };
  return {
    ece: observed,
    expectedEce,
    excess: observed - expectedEce,
    pValue: (1 + atLeast) / (1 + iterations),
    interval: [at(alpha), at(1 - alpha)],
    count: total,
  };
}
