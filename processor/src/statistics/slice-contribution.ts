/**
 * "Where it moved": each slice's share of the overall movement of a distribution, so that the
 * slices explaining most of a drift can be ranked.
 *
 * Traffic is partitioned by the values s of one slice key. On common bins i (the overall
 * comparison's bins), with R_{s,i} and C_{s,i} the reference and current counts of slice s,
 * R = sum_{s,i} R_{s,i} and C = sum_{s,i} C_{s,i}, the overall shares are
 *
 *   p_i = sum_s R_{s,i} / R,   q_i = sum_s C_{s,i} / C,   d_i = q_i - p_i,
 *
 * and the overall total variation distance is TV = 1/2 sum_i |d_i|. The overall move of bin i is
 * the sum of the slices' moves d_{s,i} = C_{s,i} / C - R_{s,i} / R (sum_s d_{s,i} = d_i), so
 *
 *   movement_s = 1/2 sum_i sign(d_i) d_{s,i},      sum_s movement_s = TV,
 *   share_s    = movement_s / TV                   (sum_s share_s = 1 when TV > 0).
 *
 * A slice's movement is the part of the overall movement it carries in the direction the overall
 * distribution moved: a slice that moved the other way (or whose traffic share fell where the
 * overall share rose) gets a negative share; a change of traffic mix between slices counts
 * towards the slices whose share changed. Across several distributions (features and the score)
 * of one model, the movements add up: share_s = sum_f movement_{s,f} / sum_f TV_f, i.e. the
 * slice's share of the summed TV movement (features moving more weigh more).
 * Reference: total variation distance as 1/2 the L1 distance, Levin, Peres & Wilmer (2009),
 * Markov Chains and Mixing Times, Prop. 4.2; the split is the linear (exact, additive)
 * decomposition of a sum of per-slice terms, as in the decomposition of a difference of rates
 * into group components (Kitagawa 1955, J. Am. Stat. Assoc. 50(272)).
 */
import { StatisticsInputError } from './validate.js';

/** One slice's counts on the common bins (same length for every slice and both sides). */
export interface SliceBins {
  readonly slice: string;
  readonly reference: ArrayLike<number>;
  readonly current: ArrayLike<number>;
}

export interface SliceMovement {
  readonly slice: string;
  /** movement_s: the slice's part of the overall TV, in TV units (may be negative). */
  readonly movement: number;
  /** movement_s / TV, or null when TV is 0. */
  readonly share: number | null;
}

export interface SliceMovements {
  /** The overall total variation distance of the slices' union. */
  readonly tv: number;
  readonly slices: readonly SliceMovement[];
}

/** Per-slice movements of one distribution (module comment). Throws on ragged or negative counts. */
export function sliceMovements(slices: readonly SliceBins[]): SliceMovements {
  if (slices.length === 0) return { tv: 0, slices: [] };
  const k = slices[0]!.reference.length;
  let R = 0;
  let C = 0;
  for (const s of slices) {
    if (s.reference.length !== k || s.current.length !== k)
      throw new StatisticsInputError(`slice ${s.slice}: bins of different lengths`);
    for (let i = 0; i < k; i++) {
      const r = s.reference[i]!;
      const c = s.current[i]!;
      if (!(r >= 0 && c >= 0 && Number.isFinite(r) && Number.isFinite(c)))
        throw new StatisticsInputError(`slice ${s.slice}: counts must be finite and >= 0`);
      R += r;
      C += c;
    }
  }
  if (R <= 0 || C <= 0) return { tv: 0, slices: slices.map((s) => ({ slice: s.slice, movement: 0, share: null })) };
  const sign = new Float64Array(k);
  let tv = 0;
  for (let i = 0; i < k; i++) {
    let d = 0;
    for (const s of slices) d += s.current[i]! / C - s.reference[i]! / R;
    sign[i] = Math.sign(d);
    tv += Math.abs(d);
  }
  tv /= 2;
  const out = slices.map((s) => {
    let m = 0;
    for (let i = 0; i < k; i++) m += sign[i]! * (s.current[i]! / C - s.reference[i]! / R);
    m /= 2;
    return { slice: s.slice, movement: m, share: tv > 0 ? m / tv : null };
  });
  return { tv, slices: out };
}

export interface SliceContribution {
  readonly slice: string;
  /** sum_f movement_{s,f} / sum_f TV_f; null when nothing moved. */
  readonly share: number | null;
  /** sum_f movement_{s,f}. */
  readonly movement: number;
}

/**
 * Combines the movements of several distributions (features, score) into each slice's share of
 * their summed TV; largest share first (ties by slice name).
 */
export function combineMovements(perDistribution: readonly SliceMovements[]): SliceContribution[] {
  const total = perDistribution.reduce((a, d) => a + d.tv, 0);
  const bySlice = new Map<string, number>();
  for (const d of perDistribution)
    for (const s of d.slices) bySlice.set(s.slice, (bySlice.get(s.slice) ?? 0) + s.movement);
  return [...bySlice]
    .map(([slice, movement]) => ({ slice, movement, share: total > 0 ? movement / total : null }))
    .sort((a, b) => b.movement - a.movement || (a.slice < b.slice ? -1 : a.slice > b.slice ? 1 : 0));
}
