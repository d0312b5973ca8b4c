/**
 * Mean and variance of the values behind an explicit-bucket histogram (count, sum, bucket
 * counts; min and max when known), and of a per-unit quantity when some units carry no value.
 *
 * The sum is exact; the second moment is estimated from the buckets. The open buckets
 * (-inf, b_0] and (b_last, inf) are closed at the histogram's min and max when known, else are a
 * point at their finite edge. The values of bucket i, (l_i, u_i] of width w_i, are taken to lie
 * around one relative position p in every bucket, chosen so that the buckets add up to the exact
 * sum:
 *
 *   p = (S - sum c_i l_i) / sum c_i w_i   (clamped to [0, 1]),   m_i = l_i + p w_i,
 *
 * (when p had to be clamped and one open bucket has no min/max, that bucket's point moves, on its
 * side of the edge, to absorb the rest of the sum), with a spread of w_i^2 p (1 - p) / 3 around
 * m_i, the variance of a Beta distribution with that mean and alpha + beta = 2: the uniform
 * distribution's w^2 / 12 at p = 1/2 (Sheppard's grouping error, 1898), none when the sum puts
 * every value on a bucket edge (e.g. 0/1 values on the registry's boundaries, which are then
 * exact). So by the law of total variance
 *
 *   sum of squares = sum c_i (m_i^2 + w_i^2 p (1 - p) / 3).
 *
 * References: W. F. Sheppard (1898), Proc. London Math. Soc. 29; Kendall & Stuart, "The Advanced
 * Theory of Statistics" vol. 1, 3.18 (moments of grouped data).
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import { StatisticsInputError } from './validate.js';

/** Count, sum and (estimated) sum of squares of the values. */
export interface RawMoments {
  readonly count: number;
  readonly sum: number;
  readonly sumOfSquares: number;
}

/** Count, mean and sample variance (n - 1 in the denominator; 0 for a single value). */
export interface Moments {
  readonly count: number;
  readonly mean: number;
  readonly variance: number;
}

/** {@link RawMoments} of a histogram (see the module comment). Throws on a histogram without a finite sum. */
export function histogramMoments(h: ExplicitHistogram): RawMoments {
  const b = h.boundaries;
  const c = h.counts;
  const n = b.length;
  if (c.length !== n + 1) throw new StatisticsInputError(`histogram: ${c.length} counts for ${n} boundaries`);
  if (!Number.isFinite(h.sum)) throw new StatisticsInputError('histogram: the sum is unknown');
  if (h.count <= 0) return { count: 0, sum: 0, sumOfSquares: 0 };
  if (n === 0) {
    // one bucket: all values at the mean as far as we know (the variance is not observable)
    const m = h.sum / h.count;
    return { count: h.count, sum: h.sum, sumOfSquares: h.count * m * m };
  }
  const lo = new Array<number>(n + 1);
  const hi = new Array<number>(n + 1);
  for (let i = 0; i <= n; i++) {
    lo[i] = i === 0 ? (h.min !== undefined ? Math.min(h.min, b[0]!) : b[0]!) : b[i - 1]!;
    hi[i] = i === n ? (h.max !== undefined ? Math.max(h.max, b[n - 1]!) : b[n - 1]!) : b[i]!;
  }
  let base = 0;
  let spread = 0;
  for (let i = 0; i <= n; i++) {
    base += c[i]! * lo[i]!;
    spread += c[i]! * (hi[i]! - lo[i]!);
  }
  const raw = spread > 0 ? (h.sum - base) / spread : 0.5;
  const p = Math.min(1, Math.max(0, raw));
  const m = lo.map((l, i) => l + p * (hi[i]! - l));
  // The sum beyond what the buckets can hold at p: an open bucket without min/max takes it.
  const open = [h.min === undefined && c[0]! > 0 ? 0 : -1, h.max === undefined && c[n]! > 0 ? n : -1].filter(
    (i) => i >= 0,
  );
  if (raw !== p && open.length === 1) {
    const i = open[0]!;
    let rest = 0;
    for (let j = 0; j <= n; j++) if (j !== i) rest += c[j]! * m[j]!;
    const at = (h.sum - rest) / c[i]!;
    m[i] = i === 0 ? Math.min(at, b[0]!) : Math.max(at, b[n - 1]!);
  }
  let sumOfSquares = 0;
  for (let i = 0; i <= n; i++) {
    if (c[i]! === 0) continue;
    const w = hi[i]! - lo[i]!;
    sumOfSquares += c[i]! * (m[i]! * m[i]! + (w * w * p * (1 - p)) / 3);
  }
  return { count: h.count, sum: h.sum, sumOfSquares };
}

/**
 * Mean and sample variance per unit (e.g. per prediction) when `units` units carried the values
 * of `m` and the others none (a zero each): mean = sum / units,
 * variance = (sumOfSquares - units mean^2) / (units - 1), floored at 0.
 */
export function perUnit(m: RawMoments, units: number): Moments {
  const n = Math.max(units, m.count);
  if (!(n > 0)) throw new StatisticsInputError('per unit: no units');
  const mean = m.sum / n;
  const variance = n > 1 ? Math.max(0, (m.sumOfSquares - n * mean * mean) / (n - 1)) : 0;
  return { count: n, mean, variance };
}
