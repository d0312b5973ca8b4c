import type { ExplicitHistogram } from '@otel-ml/conventions';
import { kolmogorovSf } from './distributions.js';
import { cellAt, isolatedCell, type CommonCells } from './common-resolution.js';
import { checkSameBoundaries } from './same-boundaries.js';

export interface KsResult {
  /** D = max_i |F_ref(b_i) - F_cur(b_i)| over the shared boundaries. */
  readonly statistic: number;
  /** Asymptotic p-value P(K > sqrt(n_e) D), K ~ Kolmogorov. */
  readonly pValue: number;
  /** n_e = n m / (n + m). */
  readonly effectiveSampleSize: number;
}

/**
 * Two-sample Kolmogorov-Smirnov statistic from two histograms on the same
 * boundaries: the empirical CDFs are known exactly at the boundaries, so
 *
 *   D = max_i |F_ref(b_i) - F_cur(b_i)|,   F(b_i) = (counts[0] + ... + counts[i]) / total
 *
 * which is the raw-data statistic restricted to the boundaries (never larger;
 * with percentile boundaries it is within about one bucket's mass of it).
 * p-value: the Kolmogorov limit with the effective sample size n_e = n m/(n+m),
 * p = Q_K(sqrt(n_e) D), Q_K the survival function of the Kolmogorov
 * distribution (scipy.stats.kstwobign.sf). Because D is evaluated at fewer
 * points than the raw-data statistic, the test is conservative.
 * Reference: Smirnov (1948); Hollander, Wolfe & Chicken (2014), "Nonparametric
 * Statistical Methods", 3rd ed., 5.4.
 */
export function ksTest(ref: ExplicitHistogram, cur: ExplicitHistogram): KsResult {
  checkSameBoundaries(ref, cur);
  const n = ref.count;
  const m = cur.count;
  let a = 0;
  let b = 0;
  let d = 0;
  for (let i = 0; i < ref.boundaries.length; i++) {
    a += ref.counts[i]!;
    b += cur.counts[i]!;
    d = Math.max(d, Math.abs(a / n - b / m));
  }
  const ne = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(ne) * d), effectiveSampleSize: ne };
}

/**
 * Bounds [lo, hi] on one side's empirical CDF at x (F(x), or its left limit F(x-) when `left`),
 * x strictly inside cell k, from its cells (cumulative proportions `cum`, cum[k] before cell k)
 * and its min/max.
 */
function cdfBounds(
  c: CommonCells,
  counts: Float64Array,
  cum: Float64Array,
  min: number | undefined,
  max: number | undefined,
  k: number,
  x: number,
  left: boolean,
  out: Float64Array,
): void {
  if (min !== undefined && (left ? x <= min : x < min)) {
    out[0] = out[1] = 0;
  } else if (max !== undefined && (left ? x > max : x >= max)) {
    out[0] = out[1] = 1;
  } else if (c.kind === 'exponential' && !isolatedCell(c, counts, k)) {
    // a bounded relative width: interpolate within the cell, clamped to this side's min/max
    // (not in an isolated cell, whose values may all be one point)
    const a = min !== undefined && min > c.lower[k]! ? min : c.lower[k]!;
    const b = max !== undefined && max < c.upper[k]! ? max : c.upper[k]!;
    const share = b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : x >= b ? 1 : 0;
    out[0] = out[1] = cum[k]! + share * (cum[k + 1]! - cum[k]!);
  } else {
    out[0] = cum[k]!;
    out[1] = cum[k + 1]!;
  }
}

const F_BOUNDS = new Float64Array(2);
const G_BOUNDS = new Float64Array(2);
/** Cumulative proportions of both sides, reused by every call (nothing here calls out). */
let refCum = new Float64Array(256);
let curCum = new Float64Array(256);

/**
 * Two-sample KS on the common cells of two histograms (common-resolution.ts):
 *
 *   D = max( max_k |F_ref(u_k) - F_cur(u_k)|,  max over each side's min and max x of D(x) )
 *
 * over the cell ends u_k, where both empirical CDFs are known exactly, and at the min and max of
 * either side strictly inside a cell (both F(x) and its left limit), where that side's CDF is exact (0 below its min, 1
 * from its max on) and the other's is linearly interpolated within its cell when the cells are
 * exponential (bounded relative width; clamped to that side's min/max) and the cell has a
 * non-empty neighbour on that side, else only bounded by the cell's cumulative range (explicit
 * buckets, possibly wide or open; an isolated cell, possibly one point): there D(x) is
 * max(F_lo - G_hi, G_lo - F_hi). So two samples whose ranges do not overlap get D = 1 even inside
 * one cell, a shift whose edge falls inside a cell is not read low by up to that cell's mass,
 * and on explicit buckets D never exceeds the raw-data statistic.
 * p-value as {@link ksTest}: the Kolmogorov limit with n_e = n m / (n + m) (conservative for
 * binned data, where D is evaluated at fewer points).
 * Reference: Smirnov (1948); Hollander, Wolfe & Chicken (2014), 5.4.
 */
export function ksOfCells(c: CommonCells): KsResult {
  const n = c.referenceCount;
  const m = c.currentCount;
  if (refCum.length < c.cells + 1) {
    refCum = new Float64Array(2 * (c.cells + 1));
    curCum = new Float64Array(2 * (c.cells + 1));
  }
  const cr = refCum;
  const cc = curCum;
  cr[0] = cc[0] = 0;
  let d = 0;
  for (let k = 0; k < c.cells; k++) {
    cr[k + 1] = cr[k]! + c.reference[k]! / n;
    cc[k + 1] = cc[k]! + c.current[k]! / m;
    const diff = Math.abs(cr[k + 1]! - cc[k + 1]!);
    if (diff > d) d = diff;
  }
  for (const x of [c.referenceMin, c.referenceMax, c.currentMin, c.currentMax]) {
    if (x === undefined) continue;
    // only a point strictly inside a cell tells more than the cell ends
    const k = cellAt(c, x);
    if (k >= c.cells || !(x > c.lower[k]! && x < c.upper[k]!)) continue;
    for (const left of [false, true]) {
      cdfBounds(c, c.reference, cr, c.referenceMin, c.referenceMax, k, x, left, F_BOUNDS);
      cdfBounds(c, c.current, cc, c.currentMin, c.currentMax, k, x, left, G_BOUNDS);
      const diff = Math.max(F_BOUNDS[0]! - G_BOUNDS[1]!, G_BOUNDS[0]! - F_BOUNDS[1]!);
      if (diff > d) d = diff;
    }
  }
  d = Math.min(1, d);
  const ne = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(ne) * d), effectiveSampleSize: ne };
}
