import { DEFAULT_EPSILON, smoothedProportions } from './smoothing.js';
import { checkCountPair } from './validate.js';

/**
 * Population Stability Index of the current counts `q` against the reference
 * counts `p` (same bins):
 *
 *   PSI = sum_i (q~_i - p~_i) ln(q~_i / p~_i)
 *
 * on proportions smoothed by the empty-bin rule of `smoothing.ts` (epsilon
 * default 1e-4). PSI is the symmetrised KL divergence (Jeffreys' J).
 * Reference: Yurdakul (2018), "Statistical Properties of Population Stability
 * Index", Western Michigan University dissertation, eq. (1.1).
 */
export function psi(p: ArrayLike<number>, q: ArrayLike<number>, epsilon: number = DEFAULT_EPSILON): number {
  checkCountPair(p, q);
  return psiOfProportions(smoothedProportions(p, epsilon), smoothedProportions(q, epsilon));
}

/** PSI = sum_i (q~_i - p~_i) ln(q~_i / p~_i) on already smoothed proportions (see {@link psi}). */
export function psiOfProportions(ps: Float64Array, qs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < ps.length; i++) s += (qs[i]! - ps[i]!) * Math.log(qs[i]! / ps[i]!);
  return s;
}
