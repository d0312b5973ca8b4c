import { rawProportions } from './smoothing.js';
import { checkCountPair } from './validate.js';

/**
 * Hellinger distance between the reference and current proportions, on raw
 * proportions (empty bins are fine):
 *
 *   H = sqrt( (1/2) sum_i (sqrt(p_i) - sqrt(q_i))^2 ) = sqrt(1 - sum_i sqrt(p_i q_i))
 *
 * Range [0, 1].
 * Reference: Hellinger (1909); Le Cam & Yang (2000), "Asymptotics in
 * Statistics", 2nd ed., ch. 3.
 */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkCountPair(p, q);
  return hellingerOfProportions(rawProportions(p), rawProportions(q));
}

/** Hellinger distance of raw proportions (see {@link hellingerDistance}). */
export function hellingerOfProportions(pr: Float64Array, qr: Float64Array): number {
  let s = 0;
  for (let i = 0; i < pr.length; i++) {
    const d = Math.sqrt(pr[i]!) - Math.sqrt(qr[i]!);
    s += d * d;
  }
  return Math.sqrt(Math.min(1, s / 2));
}
