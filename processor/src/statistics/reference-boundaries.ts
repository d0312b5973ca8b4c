/**
 * Bucket boundaries derived from a reference (training/baseline) sample.
 */
import { StatisticsInputError } from './validate.js';

export interface ReferenceBoundariesOptions {
  /** Number of equal-probability fine bins to aim for (default 100, i.e. percentiles). */
  readonly quantiles?: number;
  /** Number of coarse bins for the binned statistics (default 10, i.e. deciles); must divide `quantiles`. */
  readonly deciles?: number;
}

export interface ReferenceBoundaries {
  /** Fine boundaries (at most quantiles - 1), strictly increasing; the live histograms use these. */
  readonly boundaries: number[];
  /** Decile boundaries (at most deciles - 1), a subset of `boundaries`. */
  readonly decileBoundaries: number[];
}

/**
 * Quantile boundaries of a reference sample, for OpenTelemetry explicit buckets
 * (bucket i holds b[i-1] < v <= b[i]).
 *
 * Quantile rule (Hyndman & Fan 1996, definition 1, the inverse of the empirical
 * CDF): with the sample sorted as x(1) <= ... <= x(n), the k/K quantile is
 * x(ceil(k n / K)), the smallest sample value v with F_n(v) >= k/K. The index is
 * computed in integer arithmetic.
 *
 * Tie rule: because every boundary is a sample value and buckets include their
 * upper bound, all copies of a tied value land in the same bucket. Quantiles
 * that coincide (ties, discrete data) are kept once, and quantiles equal to the
 * sample maximum are dropped, so every bucket of the reference histogram holds
 * at least one reference value. A discrete feature therefore gets fewer bins
 * (at most one per distinct value) and a constant feature gets none (a single
 * bucket). Decile boundaries are the k/D quantiles (k = 1..D-1) under the same
 * rule; as each is also a k*(K/D)/K quantile, they are a subset of the fine ones.
 *
 * Non-finite values are rejected: count missing values separately (see
 * {@link missingRate}) and pass only the observed ones.
 */
export function referenceBoundaries(
  values: Float64Array | readonly number[],
  opts: ReferenceBoundariesOptions = {},
): ReferenceBoundaries {
  const K = opts.quantiles ?? 100;
  const D = opts.deciles ?? 10;
  if (!(Number.isInteger(K) && K >= 2)) throw new StatisticsInputError(`quantiles must be an integer >= 2, got ${K}`);
  if (!(Number.isInteger(D) && D >= 2 && K % D === 0))
    throw new StatisticsInputError(`deciles must be an integer >= 2 dividing quantiles (${K}), got ${D}`);
  const n = values.length;
  if (n === 0) throw new StatisticsInputError('reference sample is empty');
  const sorted = Float64Array.from(values);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(sorted[i]!))
      throw new StatisticsInputError(
        `reference value ${i} is not finite (${sorted[i]}); count missing values separately`,
      );
  }
  sorted.sort();
  const max = sorted[n - 1]!;
  const pick = (k: number, of: number): number => sorted[Math.ceil((k * n) / of) - 1]!;
  const collect = (of: number): number[] => {
    const out: number[] = [];
    for (let k = 1; k < of; k++) {
      const q = pick(k, of);
      if (q >= max) break;
      if (out.length === 0 || q > out[out.length - 1]!) out.push(q);
    }
    return out;
  };
  return { boundaries: collect(K), decileBoundaries: collect(D) };
}
