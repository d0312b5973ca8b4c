import { StatisticsInputError } from './validate.js';

/**
 * Sliced Wasserstein-1 distance from one-dimensional projections: the average, over k projection
 * directions u_1..u_k drawn uniformly on the unit sphere, of the Wasserstein-1 distance between
 * the two samples' projections,
 *
 *   SW_1(P, Q) ~= (1/k) sum_{i=1..k} W_1(u_i # P, u_i # Q),
 *
 * a Monte-Carlo estimate of the integral over the sphere (Rabin, Peyré, Delon & Bernot 2011,
 * "Wasserstein barycenter and its application to texture mixing", SSVM; Bonneel, Rabin, Peyré &
 * Pfister 2015, "Sliced and Radon Wasserstein barycenters of measures", J. Math. Imaging Vis.
 * 51(1)). Each W_1 comes from the histograms of one projection (`wassersteinOfCells`, through
 * `compareNumeric`), in the units of the standardized features. Also returned: the largest
 * per-projection W_1, which points at the direction that moved most.
 *
 * Returns null when no projection has a distance. Throws on a negative or non-finite distance.
 */
export function slicedWasserstein(
  distances: readonly (number | null)[],
): { readonly mean: number; readonly max: number; readonly projections: number } | null {
  let sum = 0;
  let max = 0;
  let n = 0;
  for (const d of distances) {
    if (d === null) continue;
    if (!(d >= 0) || !Number.isFinite(d))
      throw new StatisticsInputError(`Wasserstein distance must be finite and >= 0, got ${d}`);
    sum += d;
    if (d > max) max = d;
    n++;
  }
  return n === 0 ? null : { mean: sum / n, max, projections: n };
}
