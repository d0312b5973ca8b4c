/**
 * Seeded pseudo-random numbers for resampling, so that bootstrap intervals
 * are reproducible.
 */
import gammaln from '@stdlib/math-base-special-gammaln';

/** Mulberry32 uniforms in [0, 1) from a seed (defined in the conventions with the projection directions it also draws). */
export { seededUniform } from '@otel-ml/conventions';

/**
 * Draws multinomial counts: n draws over bins with the given (non-negative,
 * not necessarily normalised) weights, as a chain of conditional binomials,
 *
 *   x_1 ~ Bin(n, w_1 / W),  x_k ~ Bin(n - x_1 - ... - x_(k-1), w_k / (W - w_1 - ... - w_(k-1))),
 *
 * so the cost is O(bins) binomial draws (each {@link binomialSample}).
 * Reference: Devroye (1986), "Non-Uniform Random Variate Generation", XI.1.
 */
export function sampleMultinomial(uniform: () => number, n: number, weights: ArrayLike<number>): Float64Array {
  return multinomialSampler(uniform)(n, weights);
}

/**
 * {@link sampleMultinomial} bound to one `uniform`, for repeated draws: the binomial generator
 * is built once (it keeps no state of its own besides `uniform`, so the draws are the same as
 * with separate sampleMultinomial calls on the same `uniform`).
 */
export function multinomialSampler(uniform: () => number): (n: number, weights: ArrayLike<number>) => Float64Array {
  return (n, weights) => multinomialDraw((trials, p) => binomialSample(uniform, trials, p), n, weights);
}

function multinomialDraw(draw: (n: number, p: number) => number, n: number, weights: ArrayLike<number>): Float64Array {
  const k = weights.length;
  const out = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) total += weights[i]!;
  let remaining = Math.round(n);
  for (let i = 0; i < k - 1 && remaining > 0; i++) {
    const w = weights[i]!;
    // the rest of the weight may be zero: then this bin takes everything left
    const p = total > 0 ? (total - w <= 1e-12 * total ? 1 : w / total) : 0;
    const x = p <= 0 ? 0 : p >= 1 ? remaining : draw(remaining, p);
    out[i] = x;
    remaining -= x;
    total -= w;
  }
  if (k > 0) out[k - 1] += remaining;
  return out;
}

/**
 * One Binomial(n, p) variate by inversion: the unit interval is laid out over the support in the
 * order m, m+1, m-1, m+2, m-2, ... from the mode m = floor((n+1)p), each value taking exactly its
 * probability, and the value whose share holds `uniform()` is returned. Exact (up to rounding of
 * the probabilities) at any n and p, with an expected O(sqrt(n p (1-p))) steps:
 *
 *   P(m) = exp(ln C(n, m) + m ln p + (n - m) ln(1 - p)),
 *   P(k+1) = P(k) (n-k)/(k+1) p/(1-p),   P(k-1) = P(k) k/(n-k+1) (1-p)/p.
 *
 * (@stdlib/random-base-binomial 0.2.2, used before, returns variates whose mean is about 0.3-0.5
 * too high once n p >= 10; its BTRD acceptance step is off.)
 * Reference: Kemp (1986), Computing 36(4), "A modal method for generating binomial variables";
 * Devroye (1986), "Non-Uniform Random Variate Generation", III.2 (inversion by search).
 */
export function binomialSample(uniform: () => number, n: number, p: number): number {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  const q = 1 - p;
  const m = Math.min(n, Math.floor((n + 1) * p));
  const pm = Math.exp(gammaln(n + 1) - gammaln(m + 1) - gammaln(n - m + 1) + m * Math.log(p) + (n - m) * Math.log(q));
  const u = uniform();
  let acc = pm;
  if (u < acc) return m;
  let up = m;
  let down = m;
  let pUp = pm;
  let pDown = pm;
  while (up < n || down > 0) {
    if (up < n) {
      pUp *= ((n - up) / (up + 1)) * (p / q);
      up++;
      acc += pUp;
      if (u < acc) return up;
    }
    if (down > 0) {
      pDown *= (down / (n - down + 1)) * (q / p);
      down--;
      acc += pDown;
      if (u < acc) return down;
    }
  }
  return m; // u beyond the rounded total mass
}
