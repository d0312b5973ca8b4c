import { rawProportions } from './smoothing.js';
import { checkCountPair } from './validate.js';

/**
 * Jensen-Shannon distance (natural log), the square root of the
 * Jensen-Shannon divergence, on raw proportions (empty bins are fine:
 * 0 ln 0 = 0):
 *
 *   m = (p + q) / 2,   JS = sqrt( (KL(p || m) + KL(q || m)) / 2 )
 *
 * Range [0, sqrt(ln 2)]. Equals scipy.spatial.distance.jensenshannon(p, q).
 * Reference: Lin (1991), IEEE Trans. Inf. Theory 37(1); Endres & Schindelin
 * (2003), IEEE Trans. Inf. Theory 49(7) (the square root is a metric).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkCountPair(p, q);
  return jensenShannonOfProportions(rawProportions(p), rawProportions(q));
}

/** Jensen-Shannon distance of raw proportions (see {@link jensenShannonDistance}). */
export function jensenShannonOfProportions(pr: Float64Array, qr: Float64Array): number {
  let s = 0;
  for (let i = 0; i < pr.length; i++) {
    const a = pr[i]!;
    const b = qr[i]!;
    const m = (a + b) / 2;
    if (a > 0) s += a * Math.log(a / m);
    if (b > 0) s += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, s / 2));
}
