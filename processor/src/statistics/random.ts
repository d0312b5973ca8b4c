/**
 * Seeded pseudo-random numbers for resampling, so that bootstrap intervals
 * are reproducible.
 */

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
 * Draws multinomial counts: n independent draws over bins with the given
 * (non-negative, not necessarily normalised) weights, by inverting the
 * cumulative weights with a binary search per draw (O(n log B)).
 */
export function sampleMultinomial(uniform: () => number, n: number, weights: ArrayLike<number>): Float64Array {
  const k = weights.length;
  const cum = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    total += weights[i]!;
    cum[i] = total;
  }
  const out = new Float64Array(k);
  for (let d = 0; d < n; d++) {
    const u = uniform() * total;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    out[lo] += 1;
  }
  return out;
}
