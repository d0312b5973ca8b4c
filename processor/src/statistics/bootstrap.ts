import { chiSquareTest } from './chi-square.js';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { klDivergence } from './kl.js';
import { psi } from './psi.js';
import { sampleMultinomial, seededUniform } from './random.js';
import { StatisticsInputError, checkCountPair, checkProbability } from './validate.js';

/** A binned statistic of (reference counts, current counts). */
export type CountStatistic = (p: ArrayLike<number>, q: ArrayLike<number>) => number;

export type NamedCountStatistic = 'psi' | 'kl' | 'jensen_shannon' | 'hellinger' | 'chi_square';

const NAMED: Readonly<Record<NamedCountStatistic, CountStatistic>> = {
  psi: (p, q) => psi(p, q),
  kl: (p, q) => klDivergence(p, q),
  jensen_shannon: jensenShannonDistance,
  hellinger: hellingerDistance,
  chi_square: (p, q) => chiSquareTest(p, q).statistic,
};

export interface BootstrapOptions {
  /** Resamples (default 1000; at most 10,000, and fewer when the draw budget runs out). */
  readonly iterations?: number;
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
  /** PRNG seed (default 1): the same inputs and seed give the same interval. */
  readonly seed?: number;
  /** Also resample the reference counts (default true); false treats the reference as exact. */
  readonly resampleReference?: boolean;
  /** Cap on multinomial draws over all resamples (default 20,000,000). */
  readonly maxDraws?: number;
}

export const MAX_BOOTSTRAP_ITERATIONS = 10_000;

/**
 * Percentile bootstrap interval of a binned statistic for low-volume windows.
 *
 * Each resample draws current counts q* ~ Multinomial(M, q/M) (and, unless
 * `resampleReference` is false, reference counts p* ~ Multinomial(N, p/N)),
 * evaluates the statistic on (p*, q*), and the interval is the
 * ((1-level)/2, (1+level)/2) empirical quantiles of the resampled values.
 * Deterministic for a given seed (Mulberry32); the number of resamples is
 * bounded by `iterations` and by `maxDraws` / (N + M), and never below 50
 * (throws when the draw budget cannot afford 50 resamples: use the
 * asymptotic critical values for such large windows).
 * Reference: Efron & Tibshirani (1993), "An Introduction to the Bootstrap",
 * ch. 13 (percentile intervals).
 */
export function bootstrapInterval(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  statistic: NamedCountStatistic | CountStatistic,
  opts: BootstrapOptions = {},
): readonly [number, number] {
  const { n, m } = checkCountPair(p, q);
  const level = opts.level ?? 0.95;
  checkProbability(level, 'bootstrap level');
  const f = typeof statistic === 'function' ? statistic : NAMED[statistic];
  const resampleRef = opts.resampleReference ?? true;
  const drawsPer = Math.round(m) + (resampleRef ? Math.round(n) : 0);
  const requested = Math.min(opts.iterations ?? 1000, MAX_BOOTSTRAP_ITERATIONS);
  const iterations = Math.min(requested, Math.floor((opts.maxDraws ?? 20_000_000) / Math.max(1, drawsPer)));
  if (!(iterations >= 50)) throw new StatisticsInputError(`bootstrap: ${drawsPer} draws per resample exceed the budget for 50 resamples`);
  const uniform = seededUniform(opts.seed ?? 1);
  const values = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    const ps = resampleRef ? sampleMultinomial(uniform, Math.round(n), p) : p;
    const qs = sampleMultinomial(uniform, Math.round(m), q);
    values[it] = f(ps, qs);
  }
  values.sort();
  const at = (prob: number): number => {
    const h = (iterations - 1) * prob;
    const lo = Math.floor(h);
    return values[lo]! + (h - lo) * (values[Math.min(lo + 1, iterations - 1)]! - values[lo]!);
  };
  return [at((1 - level) / 2), at((1 + level) / 2)];
}
