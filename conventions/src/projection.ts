/**
 * Random projections of the standardized numeric features (`ml.feature.projection`): the part of
 * the contract both sides must reproduce bit for bit.
 *
 * A row x of the d projected features is standardized, z_j = (x_j - center_j) / scale_j, and
 * projected on k unit directions: p_i = u_i . z, i = 0..k-1. The directions are drawn from
 * N(0, I_d) and normalized to unit length (uniform on the sphere), from a 32-bit seed with the
 * generator below (mulberry32, normals by Box-Muller), so the same (seed, k, d) always gives the
 * same directions in the instrumentation, the offline CLI and the processor.
 *
 * Why: a change of the joint distribution (for example of the correlation between two features
 * whose own distributions stay put) moves the distribution of some projections, which a
 * one-dimensional test against the reference then sees: the idea behind the sliced Wasserstein
 * distance (Rabin, Peyré, Delon & Bernot 2011; Bonneel, Rabin, Peyré & Pfister 2015). With the
 * features standardized by the reference, a projection of independent features has variance 1
 * and a correlation rho between features a and b changes it by 2 rho u_a u_b.
 */

/** Default number of projections. */
export const DEFAULT_PROJECTION_COUNT = 16;
/** Default seed of the projection directions. */
export const DEFAULT_PROJECTION_SEED = 1;

/**
 * Mulberry32: a 32-bit state generator with period 2^32, returning uniforms in [0, 1). Small,
 * fast and reproducible everywhere (not for cryptography): the projection directions depend on
 * it, and the processor's resampling uses the same one. Reference: T. Ettinger (2017),
 * "Mulberry32", public domain.
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
 * The k unit directions in dimension d drawn from `seed`, row-major (direction i is
 * `out[i*d .. i*d + d - 1]`). Each is a vector of d standard normals (Box-Muller on mulberry32
 * uniforms, u1 taken in (0, 1]) divided by its Euclidean norm.
 */
export function projectionDirections(seed: number, k: number, d: number): Float64Array {
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(d) || d < 1)
    throw new RangeError(`projections need k >= 1 and d >= 1, got k=${k}, d=${d}`);
  const rand = seededUniform(seed);
  const normal = (): number => {
    const u1 = 1 - rand();
    const u2 = rand();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const out = new Float64Array(k * d);
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = normal();
      out[i * d + j] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) out[i * d + j]! /= norm;
  }
  return out;
}

/** What fixes a set of projections. */
export interface ProjectionBasis {
  readonly seed: number;
  /** Number of projections k. */
  readonly count: number;
  /** The projected numeric features, in order. */
  readonly features: readonly string[];
  /** Per feature: subtracted before scaling (the reference mean). */
  readonly center: readonly number[];
  /** Per feature: divides the centered value (the reference standard deviation, > 0). */
  readonly scale: readonly number[];
}

/** FNV-1a (32-bit) of a string, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The `ml.feature.projection.basis` value: `s<seed>-k<count>-<hash>`, the hash (FNV-1a) over the
 * feature names, centers and scales (shortest round-trip decimal form), so projections of
 * different bases are never compared.
 */
export function projectionBasisId(b: ProjectionBasis): string {
  const parts = b.features.map((f, j) => `${f}=${String(b.center[j])}/${String(b.scale[j])}`);
  return `s${b.seed >>> 0}-k${b.count}-${fnv1a(parts.join('\u001f'))}`;
}
