/**
 * Seeded pseudo-random numbers for resampling, so that bootstrap intervals
 * are reproducible.
 */
import binomial from '@stdlib/random-base-binomial';

/**
 * Mulberry32: a 32-bit state generator with period 2^32, returning uniforms in
 * [0, 1). Small and fast; adequate for bootstrap resampling (not for
 * cryptography). Reference: T. Ettinger (2017), "Mulberry32", public domain;
 * analysed in the PractRand test suite notes.
 */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws multinomial counts: n draws over bins with the given (non-negative,
 * not necessarily normalised) weights, as a chain of conditional binomials,
 *
 *   x_1 ~ Bin(n, w_1 / W),  x_k ~ Bin(n - x_1 - ... - x_(k-1), w_k / (W - w_1 - ... - w_(k-1))),
 *
 * so the cost is O(bins), independent of n. The binomial variates come from
 * @stdlib/random-base-binomial driven by `uniform`.
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
  const draw = binomial.factory({ prng: uniform });
  return (n, weights) => multinomialDraw(draw, n, weights);
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
