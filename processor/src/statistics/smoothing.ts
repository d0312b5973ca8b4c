/**
 * The empty-bin rule for the log-based drift statistics (PSI, KL).
 *
 * A bin that is empty on one side makes ln(q/p) infinite. Both count vectors are
 * therefore turned into proportions smoothed with a small pseudo-proportion
 * epsilon added to every bin and renormalised:
 *
 *   p~_i = (c_i / N + eps) / (1 + B * eps),   eps = 1e-4 by default,
 *
 * where B is the number of bins and N the total. The rule is applied to every
 * bin (not only empty ones) so that the statistics are continuous in the
 * counts; for decile bins (p ~ 0.1) it changes PSI/KL by about 0.1 %.
 * A bin empty in the reference and holding a share q of the current
 * window contributes about q ln(q / eps) to PSI. Jensen-Shannon and Hellinger
 * are finite with empty bins and use raw proportions.
 * Reference: additive (Lidstone) smoothing, e.g. Manning & Schuetze (1999) 6.2.2.
 */
import { StatisticsInputError } from './validate.js';

/** Default pseudo-proportion added to every bin before PSI/KL. */
export const DEFAULT_EPSILON = 1e-4;

/** Smoothed proportions (see the module comment). `counts` must have a positive total. */
export function smoothedProportions(counts: ArrayLike<number>, epsilon: number = DEFAULT_EPSILON): Float64Array {
  if (!(epsilon > 0 && epsilon < 1)) throw new StatisticsInputError(`epsilon must be in (0, 1), got ${epsilon}`);
  return smoothInPlace(rawProportions(counts), epsilon);
}

/**
 * Smoothed proportions from raw proportions c_i / N (see the module comment), as a new array; for
 * callers that need both the raw and the smoothed proportions of the same counts.
 */
export function smoothRawProportions(raw: Float64Array, epsilon: number = DEFAULT_EPSILON): Float64Array {
  if (!(epsilon > 0 && epsilon < 1)) throw new StatisticsInputError(`epsilon must be in (0, 1), got ${epsilon}`);
  return smoothInPlace(raw.slice(), epsilon);
}

function smoothInPlace(out: Float64Array, epsilon: number): Float64Array {
  const scale = 1 + out.length * epsilon;
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! + epsilon) / scale;
  return out;
}

/** Proportions c_i / N (N > 0). */
export function rawProportions(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (!(total > 0)) throw new StatisticsInputError('counts add up to 0');
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}
