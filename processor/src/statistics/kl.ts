import { DEFAULT_EPSILON, smoothedProportions } from './smoothing.js';
import { checkCountPair } from './validate.js';

/**
 * Kullback-Leibler divergence of the reference from the current window,
 * KL(reference || current), in nats:
 *
 *   KL = sum_i p~_i ln(p~_i / q~_i)
 *
 * on proportions smoothed by the empty-bin rule of `smoothing.ts` (epsilon
 * default 1e-4), i.e. scipy.stats.entropy(p~, q~).
 * Reference: Kullback & Leibler (1951), Ann. Math. Statist. 22(1).
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, epsilon: number = DEFAULT_EPSILON): number {
  checkCountPair(p, q);
  return klOfProportions(smoothedProportions(p, epsilon), smoothedProportions(q, epsilon));
}

/** KL = sum_i p~_i ln(p~_i / q~_i) on already smoothed proportions (see {@link klDivergence}). */
export function klOfProportions(ps: Float64Array, qs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < ps.length; i++) s += ps[i]! * Math.log(ps[i]! / qs[i]!);
  return Math.max(0, s);
}
