import { chiSquareTest } from './chi-square.js';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { klDivergence } from './kl.js';
import { psi } from './psi.js';
import { multinomialSampler, seededUniform } from './random.js';
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
  /** Resamples (default 1000; an integer from 1 to 10,000). */
  readonly iterations?: number;
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
  /** PRNG seed (default 1): the same inputs and seed give the same interval. */
  readonly seed?: number;
  /** Also resample the reference counts (default true); false treats the reference as exact. */
  readonly resampleReference?: boolean;
}

export const MAX_BOOTSTRAP_ITERATIONS = 10_000;

/**
 * Percentile bootstrap interval of a binned statistic for low-volume windows.
 *
 * Each resample draws current counts q* ~ Multinomial(M, q/M) (and, unless
 * `resampleReference` is false, reference counts p* ~ Multinomial(N, p/N)),
 * evaluates the statistic on (p*, q*), and the interval is the
 * ((1-level)/2, (1+level)/2) empirical quantiles of the resampled values.
 * Deterministic for a given seed (Mulberry32). Each resample costs O(bins)
 * whatever N and M (conditional binomials, see `sampleMultinomial`), and the
 * number of resamples is bounded by MAX_BOOTSTRAP_ITERATIONS. Fractional
 * counts (from re-binning) are resampled with totals rounded to integers.
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
  const iterations = opts.iterations ?? 1000;
  if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= MAX_BOOTSTRAP_ITERATIONS)) {
    throw new StatisticsInputError(
      `bootstrap iterations must be an integer from 1 to ${MAX_BOOTSTRAP_ITERATIONS}, got ${iterations}`,
    );
  }
  if (Math.round(m) < 1 || (resampleRef && Math.round(n) < 1))
    throw new StatisticsInputError('bootstrap: fewer than one row to resample');
  const sample = multinomialSampler(seededUniform(opts.seed ?? 1));
  const values = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    const ps = resampleRef ? sample(Math.round(n), p) : p;
    const qs = sample(Math.round(m), q);
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
