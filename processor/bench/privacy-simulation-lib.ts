/**
 * The privacy simulation (docs/privacy.md), shared by `npm run bench:privacy` and its test: the
 * instrumentation's noise (discrete Laplace on each export's deltas, export/noise.ts) on window
 * counts and histograms, and the processor's view of noisy windows (windows/noisy.ts) under its
 * drift statistics and decision (compareNumeric, decideDrift), as `evaluate` uses them for a
 * numeric feature against a baseline's exact histogram and decile edges.
 */
import { ExponentialAccumulator, type ExponentialHistogram } from '@otel-ml/conventions';
import {
  discreteLaplace,
  discreteLaplaceVariance,
  predictionSensitivity,
  PRIVATE_EXPONENTIAL_BUCKETS,
} from '@otel-ml/instrumentation';
import { compareNumeric, decideDrift, exponentialFromValues, referenceBoundaries } from '../src/statistics/index.js';
import { seededUniform } from '../src/statistics/random.js';
import { emptySnapshot } from '../src/windows/snapshot.js';
import { statisticalView } from '../src/windows/noisy.js';
import { gaussianSource } from './statistics-simulation-lib.js';

export interface PrivacySimulation {
  /** epsilon of one prediction. */
  readonly epsilon: number;
  /** Declared features (for the sensitivity, as the monitor computes it). */
  readonly features: number;
  readonly rowsPerWindow: number;
  /** Exports per window (each adds its own noise). */
  readonly exportsPerWindow: number;
  readonly windows: number;
  readonly seed: number;
}

export interface CountResult {
  readonly scale: number;
  /** Mean of (released - true) / true over the windows with traffic. */
  readonly meanError: number;
  /** Mean of |released - true| / true. */
  readonly meanAbsoluteError: number;
  /** Windows without traffic: mean and standard deviation of the released count, and the noise's standard deviation. */
  readonly emptyMean: number;
  readonly emptySd: number;
  readonly noiseSd: number;
  /** Share of windows without traffic released above 0 (0.5 minus half the share at exactly 0, for unbiased noise). */
  readonly emptyPositiveShare: number;
}

export function sensitivityOf(sim: PrivacySimulation): number {
  return predictionSensitivity(sim.features);
}

/**
 * A window's count (`ml.predictions`) as the processor receives it: the true count plus the
 * noise of every export in the window, positive minus negative parts.
 */
export function simulateCounts(sim: PrivacySimulation): CountResult {
  const scale = sensitivityOf(sim) / sim.epsilon;
  const u = seededUniform(sim.seed);
  const noise = (): number => {
    let x = 0;
    for (let k = 0; k < sim.exportsPerWindow; k++) x += discreteLaplace(scale, u);
    return x;
  };
  let err = 0;
  let abs = 0;
  let empty = 0;
  let empty2 = 0;
  let positive = 0;
  for (let w = 0; w < sim.windows; w++) {
    const e = noise();
    err += e / sim.rowsPerWindow;
    abs += Math.abs(e) / sim.rowsPerWindow;
    const z = noise();
    empty += z;
    empty2 += z * z;
    if (z > 0) positive++;
  }
  const n = sim.windows;
  const emptyMean = empty / n;
  return {
    scale,
    meanError: err / n,
    meanAbsoluteError: abs / n,
    emptyMean,
    emptySd: Math.sqrt(Math.max(0, empty2 / n - emptyMean * emptyMean)),
    noiseSd: Math.sqrt(sim.exportsPerWindow * discreteLaplaceVariance(scale)),
    emptyPositiveShare: positive / n,
  };
}

/**
 * A histogram's total as the previous mechanism released it (kept for comparison): each export
 * released every bucket's cumulative count as max(0, previous release, round(true +
 * Laplace(1 / epsilon))); `rows` rows recorded once, spread over the first 5 of `buckets`
 * buckets, then `exports` exports.
 */
export function clampedRelease(rows: number, buckets: number, exports: number, epsilon: number, seed: number): number {
  const u = seededUniform(seed);
  const truth = Array.from({ length: buckets }, (_, i) => (i < 5 ? rows / 5 : 0));
  const released = new Array<number>(buckets).fill(0);
  for (let k = 0; k < exports; k++) {
    for (let i = 0; i < buckets; i++) {
      const v = u() - 0.5;
      const lap = v < 0 ? Math.log(1 + 2 * v) / epsilon : -Math.log(1 - 2 * v) / epsilon;
      released[i] = Math.max(0, released[i]!, Math.round(truth[i]! + lap));
    }
  }
  return released.reduce((a, c) => a + c, 0);
}

/** One window's exponential histogram as the sender records it, plus noise on every bucket of its range and on the zero count. */
function noisyWindow(values: ArrayLike<number>, scale: number, exports: number, u: () => number): ExponentialHistogram {
  const acc = new ExponentialAccumulator(PRIVATE_EXPONENTIAL_BUCKETS);
  for (let i = 0; i < values.length; i++) acc.record(values[i]!);
  const h = acc.histogram();
  const noisy = (c: number): number => {
    let x = c;
    for (let k = 0; k < exports; k++) x += discreteLaplace(scale, u);
    return x;
  };
  const side = (b: ExponentialHistogram['positive']) => ({
    offset: b.offset,
    bucketCounts: Array.from(b.bucketCounts, noisy),
  });
  const positive = side(h.positive);
  const negative = side(h.negative);
  const zeroCount = noisy(h.zeroCount);
  let count = zeroCount;
  for (const c of positive.bucketCounts) count += c;
  for (const c of negative.bucketCounts) count += c;
  return { scale: h.scale, zeroCount, zeroThreshold: 0, positive, negative, count, sum: Number.NaN };
}

export interface DriftResult {
  readonly windows: number;
  /** Share of windows flagged (drift), with and without noise. */
  readonly flaggedNoisy: number;
  readonly flaggedClean: number;
  /** Share of windows without a verdict (insufficient data: too few effective rows) with noise. */
  readonly undecidedNoisy: number;
  /** Mean effective rows of a noisy window (windows/noisy.ts). */
  readonly effectiveRows: number;
}

/** A feature's values: a log-normal (amounts) shifted by `shift` standard deviations of its log. */
function lognormal(gauss: () => number, n: number, shift: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(3 + 0.8 * (gauss() + shift));
  return out;
}

/**
 * Drift verdicts of one numeric feature (log-normal) against a baseline of `referenceRows` exact
 * rows (its high-resolution histogram and decile edges), window after window, once on the exact
 * window and once on the same window released with noise and seen by the processor's
 * `statisticalView`. `shift`: the current windows' shift in SD of the log (0: no drift).
 */
export function simulateDrift(
  sim: PrivacySimulation,
  opts: { shift: number; referenceRows: number; alpha?: number },
): DriftResult {
  const scale = sensitivityOf(sim) / sim.epsilon;
  const gauss = gaussianSource(sim.seed);
  const u = seededUniform(sim.seed + 1);
  const refValues = lognormal(gauss, opts.referenceRows, 0);
  const reference = exponentialFromValues(refValues);
  const decileEdges = referenceBoundaries(refValues).decileBoundaries;
  const alpha = opts.alpha ?? 0.01;
  let flaggedNoisy = 0;
  let flaggedClean = 0;
  let undecided = 0;
  let effective = 0;
  const verdict = (cur: ExponentialHistogram): string => {
    const cmp = compareNumeric(reference, cur, { alpha, decileEdges });
    return decideDrift({
      pValue: cmp.pValue,
      psi: cmp.binned?.psi ?? null,
      jensenShannon: cmp.binned?.jensenShannon ?? null,
      currentCount: cur.count,
      alpha,
      insufficientResolution: cmp.status === 'insufficient_resolution' ? cmp.reason : null,
      ks: cmp.ks?.statistic ?? null,
      completeShift: cmp.completeShift,
    }).verdict;
  };
  for (let w = 0; w < sim.windows; w++) {
    const values = lognormal(gauss, sim.rowsPerWindow, opts.shift);
    const clean = new ExponentialAccumulator(PRIVATE_EXPONENTIAL_BUCKETS);
    for (const v of values) clean.record(v);
    if (verdict(clean.histogram()) === 'drift') flaggedClean++;
    const snap = emptySnapshot('m', { name: 'm', version: '', role: 'primary', resource: {} } as never, 0, 1);
    snap.features.x = { missing: 0, exponential: noisyWindow(values, scale, sim.exportsPerWindow, u) };
    const view = statisticalView({ ...snap, noiseVariance: sim.exportsPerWindow * discreteLaplaceVariance(scale) });
    const cur = view.features.x!.exponential!;
    effective += cur.count;
    const v = verdict(cur);
    if (v === 'drift') flaggedNoisy++;
    else if (v !== 'no_drift') undecided++;
  }
  const n = sim.windows;
  return {
    windows: n,
    flaggedNoisy: flaggedNoisy / n,
    flaggedClean: flaggedClean / n,
    undecidedNoisy: undecided / n,
    effectiveRows: effective / n,
  };
}
