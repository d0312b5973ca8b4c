/**
 * The differential-privacy mechanism of the exported counts (docs/privacy.md).
 *
 * Noise on each delta: at every export, every bucket of every noisy series gets its true change
 * since the previous export plus independent discrete Laplace noise (the two-sided geometric
 * mechanism of Ghosh, Roughgarden & Sundararajan 2009): P(k) = (1 - a) / (1 + a) * a^|k| with
 * a = exp(-1/b). With b = sensitivity / epsilon it is epsilon-differentially private for a
 * change of at most `sensitivity` in L1 norm, like the Laplace mechanism (Dwork, McSherry, Nissim
 * & Smith 2006), but integer-valued, so nothing is rounded.
 *
 * Why deltas and not a tree of partial sums (Chan, Shi & Song 2011; Dwork, Naor, Pitassi &
 * Rothblum 2010): one prediction changes the delta of exactly one export interval, so releasing
 * every interval's noisy delta, forever, is epsilon-DP for that prediction (parallel composition:
 * the intervals are disjoint). The processor needs window counts, i.e. the sum of the k deltas of
 * a window: their noise has variance k * 2a / (1 - a)^2, constant over time, and mean 0. The tree
 * mechanism wins for prefix sums over T releases (O(log T) noise terms against T), but a window
 * from it is the difference of two prefix sums, each with up to log2 T nodes whose noise must be
 * scaled by log2 T: far more noise per window for any realistic k.
 *
 * A noisy delta may be negative. OTLP bucket counts and monotonic sums cannot be, and a
 * cumulative series that decreases is a reset to its receivers. So each noisy series is exported
 * as two: the positive parts max(d, 0) on the series itself, and the negative parts max(-d, 0) on
 * a companion series with the attribute `ml.privacy.part = negative`. Each is monotonic in
 * cumulative temporality; positive minus negative is the unbiased noisy count.
 */
import { randomFillSync } from 'node:crypto';

const buffer = new Uint32Array(256);
let position = buffer.length;

/** Uniform double in (0, 1) from the operating system's CSPRNG (53-bit resolution). */
function uniform(): number {
  if (position + 2 > buffer.length) {
    randomFillSync(buffer);
    position = 0;
  }
  const hi = buffer[position++]! >>> 5; // 27 bits
  const lo = buffer[position++]! >>> 6; // 26 bits
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/** Number of failures before the first success, success probability 1 - a: floor(ln U / ln a). */
function geometric(a: number, u: () => number): number {
  return Math.floor(Math.log(u()) / Math.log(a));
}

/**
 * One sample of the discrete Laplace distribution of scale `b` (> 0): the difference of two
 * independent geometric variables of parameter a = exp(-1/b), P(k) proportional to a^|k|.
 * Mean 0, variance 2a / (1 - a)^2 (about 2b^2 for large b). `u` (for tests) draws uniforms on (0, 1).
 */
export function discreteLaplace(b: number, u: () => number = uniform): number {
  const a = Math.exp(-1 / b);
  return geometric(a, u) - geometric(a, u);
}

/** Variance of {@link discreteLaplace}(b): 2a / (1 - a)^2 with a = exp(-1/b). */
export function discreteLaplaceVariance(b: number): number {
  const a = Math.exp(-1 / b);
  return (2 * a) / ((1 - a) * (1 - a));
}

/**
 * L1 sensitivity of one prediction: the number of exported series it can change by one (each
 * series changes by at most one per prediction: one bucket of a histogram, or one counter).
 * Counted for a prediction recorded with `observe`, its outcome (`recordOutcome`), its business
 * values and the call it was part of:
 * - per declared feature 2: its value histogram or category counter, or its missing counter and
 *   (a value of the wrong type) its invalid counter; an unseen category counts in `__other__` and
 *   in the unseen-values counter;
 * - `ml.predictions`, the score (or value) histogram, the unknown-feature counter: 3;
 * - the outcome: the outcomes counter, the outcome score histogram (or the three regression error
 *   histograms), the outcome delay: 5 at most;
 * - one per business metric, `ml.inference.duration` (the call), the shadow agreement: 2 + metrics;
 * - feature attributions, when recorded: one per feature.
 */
export function predictionSensitivity(
  features: number,
  options: { businessMetrics?: number; attributions?: boolean } = {},
): number {
  return 2 * features + 3 + 5 + 2 + (options.businessMetrics ?? 1) + (options.attributions === true ? features : 0);
}

/**
 * Default `exponentialMaxBuckets` of a monitor with privacy on: every bucket carries noise, so a
 * distribution over G buckets has G times the noise variance of one; 16 buckets per sign keep
 * the noise of a window of 1,000 rows at about the size of its sampling noise (docs/privacy.md).
 */
export const PRIVATE_EXPONENTIAL_BUCKETS = 32;

/** The privacy settings of one noisy source, resolved (see `PrivacyOptions`). */
export interface NoiseSettings {
  /** epsilon of one prediction, over every release (event-level differential privacy). */
  readonly epsilon: number;
  /** L1 sensitivity of one prediction (see {@link predictionSensitivity}). */
  readonly sensitivity: number;
  /** Noise scale b = sensitivity / epsilon of every bucket and counter, per export. */
  readonly scale: number;
  /** Uniform draws on (0, 1) for the noise; tests only (default: the operating system's CSPRNG). */
  readonly uniform?: () => number;
}

export function noiseSettings(epsilon: number, sensitivity: number, uniform?: () => number): NoiseSettings {
  return { epsilon, sensitivity, scale: sensitivity / epsilon, ...(uniform !== undefined ? { uniform } : {}) };
}

/** `delta` plus discrete Laplace noise of scale `b`: an integer, unbiased, possibly negative. */
export function noisyDelta(delta: number, b: number, u?: () => number): number {
  return Math.round(delta) + discreteLaplace(b, u);
}
