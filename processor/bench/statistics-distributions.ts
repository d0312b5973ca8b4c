/**
 * Seeded samplers of the accuracy distributions (the ones scripts/oracle/accuracy_fixtures.py
 * draws with numpy, same parameters) and the exact statistics of raw rows, for the statistics
 * benches: KS and Wasserstein-1 from the sorted rows (as scipy.stats.ks_2samp and
 * wasserstein_distance compute them) and the binned statistics on the raw reference's type-1
 * deciles. bench:accuracy checks these against scipy's values in the committed fixture first.
 */
import {
  binnedDrift,
  groupHistogram,
  histogramFromValues,
  referenceBoundaries,
  seededUniform,
  type BinnedDrift,
} from '../src/statistics/index.js';
import { gaussianSource } from './statistics-simulation-lib.js';

/** The distributions of the accuracy targets, in the fixture's order. */
export const DISTRIBUTIONS = [
  'normal',
  'lognormal',
  't3',
  'exponential',
  'uniform',
  'bimodal',
  'beta',
  'poisson',
  'zero-inflated',
] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** Gamma(k, 1) for an integer shape k: a sum of k standard exponentials. */
function gammaInteger(u: () => number, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s -= Math.log(1 - u());
  return s;
}

/**
 * A seeded sampler of `name` with the fixture's parameters: normal(0, 1), lognormal(0, 1),
 * Student t(3), exponential(scale 2), uniform(25, 45), 0.6 N(-2, 0.7) + 0.4 N(3, 1), beta(2, 5),
 * Poisson(3), and 40% zeros + 60% N(1.5, 2).
 */
export function sampler(name: Distribution, seed: number): () => number {
  const u = seededUniform(seed);
  const g = gaussianSource(seed ^ 0x5bd1e995);
  switch (name) {
    case 'normal':
      return g;
    case 'lognormal':
      return () => Math.exp(g());
    case 't3':
      return () => {
        const z = g();
        const chi = g() ** 2 + g() ** 2 + g() ** 2;
        return z / Math.sqrt(chi / 3);
      };
    case 'exponential':
      return () => -2 * Math.log(1 - u());
    case 'uniform':
      return () => 25 + 20 * u();
    case 'bimodal':
      return () => (u() < 0.6 ? -2 + 0.7 * g() : 3 + g());
    case 'beta':
      return () => {
        const a = gammaInteger(u, 2);
        return a / (a + gammaInteger(u, 5));
      };
    case 'poisson': {
      const limit = Math.exp(-3);
      return () => {
        let k = 0;
        let p = u();
        while (p > limit) {
          k++;
          p *= u();
        }
        return k;
      };
    }
    case 'zero-inflated':
      return () => (u() < 0.4 ? 0 : 1.5 + 2 * g());
  }
}

/** The fixture's changes: a shift by half the reference SD (Poisson: 1), a scale change about the center. */
export function changed(
  name: Distribution,
  change: 'none' | 'shift' | 'scale',
  reference: ArrayLike<number>,
  current: Float64Array,
): Float64Array {
  if (change === 'none') return current;
  if (change === 'shift') {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < reference.length; i++) {
      s += reference[i]!;
      s2 += reference[i]! * reference[i]!;
    }
    const mean = s / reference.length;
    const offset = name === 'poisson' ? 1 : 0.5 * Math.sqrt(s2 / reference.length - mean * mean);
    return current.map((v) => v + offset);
  }
  const center = name === 'uniform' ? 35 : 0;
  const factor = name === 'lognormal' ? 2 : 1.5;
  return current.map((v) => center + (v - center) * factor);
}

const sorted = (x: ArrayLike<number>): Float64Array => Float64Array.from(x).sort();

/** The two-sample KS statistic of raw rows: max |F_n - G_m| over the pooled values (ties stepped together). */
export function exactKs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sorted(a);
  const y = sorted(b);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Wasserstein-1 of raw rows: the integral of |F_n - G_m| between consecutive pooled values. */
export function exactWasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sorted(a);
  const y = sorted(b);
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0]!, y[0]!);
  let total = 0;
  while (i < n || j < m) {
    const v = j >= m || (i < n && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    total += Math.abs(i / n - j / m) * (v - prev);
    prev = v;
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
  }
  return total;
}

/** The raw reference's type-1 decile edges and the binned statistics of raw rows on them. */
export function exactBinned(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): { edges: number[]; binned: BinnedDrift } {
  const edges = referenceBoundaries(Float64Array.from(reference), { quantiles: 10, deciles: 10 }).decileBoundaries;
  const p = groupHistogram(histogramFromValues(reference, edges), edges).counts;
  const q = groupHistogram(histogramFromValues(current, edges), edges).counts;
  return { edges, binned: binnedDrift(p, q) };
}
