/**
 * Monte-Carlo simulation of the drift decision on base-2 exponential histograms, as a service
 * without a baseline file sees it: every feature binned by the conventions' rules (scale lowered
 * from 20 until each sign fits the bucket budget), compared with compareNumeric (bins cut at the
 * reference histogram's own quantiles, or at the raw reference deciles when `baselineEdges`),
 * decided with decideWindow (Benjamini-Hochberg across the window's features, the KS fallback
 * for features whose reference cannot be cut into two bins, complete shifts). Used by
 * `npm run bench:statistics` (full size) and the unit tests (reduced size). Deterministic for a
 * given seed.
 */
import {
  compareNumeric,
  decideWindow,
  exponentialFromValues,
  histogramFromValues,
  referenceBoundaries,
  seededUniform,
  type FeatureEvidence,
  type NumericHistogram,
} from '../src/statistics/index.js';
import { DISTRIBUTIONS, sampler, type Distribution } from './statistics-distributions.js';

/**
 * The features of a simulated model: the nine accuracy distributions, a constant one, one that
 * is almost always 0 (a rare other value), both exponential, and one uniform on [25, 45] recorded
 * on explicit 1-2-5 buckets (all of it in one bucket: always the KS fallback).
 */
export const FEATURES = [...DISTRIBUTIONS, 'constant', 'rare', 'coarse-explicit'] as const;
export type Feature = (typeof FEATURES)[number];

const COARSE_BOUNDARIES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

function featureSampler(f: Feature, seed: number): () => number {
  if (f === 'constant') return () => 5;
  if (f === 'rare') {
    const u = seededUniform(seed);
    return () => (u() < 0.995 ? 0 : 1 + u());
  }
  if (f === 'coarse-explicit') return sampler('uniform', seed);
  return sampler(f as Distribution, seed);
}

function histogram(f: Feature, values: Float64Array, buckets: number): NumericHistogram {
  return f === 'coarse-explicit'
    ? histogramFromValues(values, COARSE_BOUNDARIES)
    : exponentialFromValues(values, { maxBuckets: buckets });
}

/** The change applied to the changed feature's current rows. */
export type Change = 'none' | 'complete' | 'shift-1sd';

export interface ExponentialScenario {
  readonly name: string;
  readonly windows: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  /** Bucket budget per sign (default 160). */
  readonly buckets?: number;
  /** Give the raw reference's decile edges (as a baseline file does); default false (no baseline). */
  readonly baselineEdges?: boolean;
  /** Which feature changes, and how (default: nothing changes). */
  readonly changed?: Feature;
  readonly change?: Change;
}

export interface ExponentialResult {
  readonly scenario: ExponentialScenario;
  /** Share of unchanged feature-windows flagged as drift. */
  readonly nullFlagged: number;
  /** Unchanged feature-windows decided on the KS fallback, and how many of those were flagged. */
  readonly nullFallback: number;
  readonly nullFallbackFlagged: number;
  /** Share of windows in which the changed feature was flagged, and its verdicts. */
  readonly changedFlagged: number;
  readonly changedVerdicts: Readonly<Record<string, number>>;
}

/** Mean and SD of a sample. */
function moments(x: Float64Array): { mean: number; sd: number } {
  let s = 0;
  let s2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
  }
  const mean = s / x.length;
  return { mean, sd: Math.sqrt(Math.max(0, s2 / x.length - mean * mean)) };
}

/** Runs one scenario: a fixed reference per feature (pinned), `windows` independent current windows. */
export function runExponentialScenario(s: ExponentialScenario, seed: number): ExponentialResult {
  const buckets = s.buckets ?? 160;
  const draws = FEATURES.map((f, i) => featureSampler(f, seed * 131 + i));
  const refs = FEATURES.map((f, i) => {
    const values = Float64Array.from({ length: s.referenceRows }, draws[i]!);
    const m = moments(values);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const edges = s.baselineEdges ? referenceBoundaries(values).decileBoundaries : undefined;
    return { histogram: histogram(f, values, buckets), ...m, lo, hi, edges };
  });
  const changed = s.change !== undefined && s.change !== 'none' ? FEATURES.indexOf(s.changed!) : -1;
  let nullFlagged = 0;
  let nullN = 0;
  let nullFallback = 0;
  let nullFallbackFlagged = 0;
  let changedFlagged = 0;
  const changedVerdicts: Record<string, number> = {};
  const cur = new Float64Array(s.currentRows);
  for (let w = 0; w < s.windows; w++) {
    const evidence: FeatureEvidence[] = FEATURES.map((f, i) => {
      const ref = refs[i]!;
      for (let k = 0; k < s.currentRows; k++) cur[k] = draws[i]!();
      if (i === changed) {
        // complete: beyond the reference range by one SD (a constant moves by 1); 1 SD: its mean moves by its SD
        const by = s.change === 'complete' ? ref.hi - ref.lo + (ref.sd > 0 ? ref.sd : 1) : ref.sd;
        for (let k = 0; k < s.currentRows; k++) cur[k] = cur[k]! + by;
      }
      const r = compareNumeric(
        ref.histogram,
        histogram(f, cur, buckets),
        ref.edges !== undefined ? { decileEdges: ref.edges } : {},
      );
      return {
        feature: f,
        pValue: r.pValue,
        psi: r.binned?.psi ?? null,
        jensenShannon: r.binned?.jensenShannon ?? null,
        ks: r.ks?.statistic ?? null,
        currentCount: s.currentRows,
        insufficientResolution: r.status === 'insufficient_resolution' ? r.reason : null,
        completeShift: r.completeShift,
      };
    });
    const decisions = decideWindow(evidence);
    decisions.forEach((d, i) => {
      if (i === changed) {
        if (d.verdict === 'drift') changedFlagged++;
        changedVerdicts[d.verdict] = (changedVerdicts[d.verdict] ?? 0) + 1;
        return;
      }
      nullN++;
      if (d.verdict === 'drift') nullFlagged++;
      if (evidence[i]!.insufficientResolution != null) {
        nullFallback++;
        if (d.verdict === 'drift') nullFallbackFlagged++;
      }
    });
  }
  return {
    scenario: s,
    nullFlagged: nullFlagged / nullN,
    nullFallback,
    nullFallbackFlagged,
    changedFlagged: changed >= 0 ? changedFlagged / s.windows : 0,
    changedVerdicts,
  };
}
