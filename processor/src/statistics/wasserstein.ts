import type { ExplicitHistogram } from '@otel-ml/conventions';
import type { CommonCells } from './common-resolution.js';
import { CUR_CDF, REF_CDF, explicitPieces, slopeAt, valueAt, type PiecewiseCdf } from './piecewise.js';
import { checkSameBoundaries } from './same-boundaries.js';

let breakpointBuffer = new Float64Array(256);

/** Insertion-sorts the first `n` values of `src` into the sorted pts[0, len); returns the new length. */
function insertRun(pts: Float64Array, len: number, src: Float64Array, n: number): number {
  for (let k = 0; k < n; k++) {
    const x = src[k]!;
    let j = len++;
    while (j > 0 && pts[j - 1]! > x) {
      pts[j] = pts[j - 1]!;
      j--;
    }
    pts[j] = x;
  }
  return len;
}

/** Writes lo[0], hi[0], lo[1], hi[1], ... at out[off...]; true when that sequence is non-decreasing. */
function interleave(f: PiecewiseCdf, out: Float64Array, off: number): boolean {
  let sorted = true;
  let prev = -Infinity;
  for (let k = 0; k < f.pieces; k++) {
    const a = f.lo[k]!;
    const z = f.hi[k]!;
    if (prev > a || a > z) sorted = false;
    out[off + 2 * k] = a;
    out[off + 2 * k + 1] = z;
    prev = z;
  }
  return sorted;
}

/**
 * The piece ends of both CDFs, sorted ascending, each value once, in the shared buffer (count in
 * the return). The ends of one CDF are normally already in order (lo[0] <= hi[0] <= lo[1] ...),
 * and then the two sequences are merged; otherwise all ends are insertion-sorted.
 */
function breakpoints(f: PiecewiseCdf, g: PiecewiseCdf): number {
  const nf = 2 * f.pieces;
  const ng = 2 * g.pieces;
  const total = nf + ng;
  if (breakpointBuffer.length < 2 * total) breakpointBuffer = new Float64Array(2 * total);
  const pts = breakpointBuffer;
  // pts[total, total + nf): ends of f; pts[total + nf, 2 total): ends of g; result in pts[0, total)
  const sortedF = interleave(f, pts, total);
  const sortedG = interleave(g, pts, total + nf);
  if (sortedF && sortedG) {
    let i = total;
    let j = total + nf;
    const iEnd = total + nf;
    const jEnd = 2 * total;
    let o = 0;
    while (i < iEnd && j < jEnd) pts[o++] = pts[i]! <= pts[j]! ? pts[i++]! : pts[j++]!;
    while (i < iEnd) pts[o++] = pts[i++]!;
    while (j < jEnd) pts[o++] = pts[j++]!;
  } else {
    insertRun(pts, 0, pts.subarray(total, 2 * total), total);
  }
  let count = 0;
  for (let i = 0; i < total; i++) {
    // -0 and 0 are one point (as in a Set); both behave the same in the sums below
    if (count === 0 || pts[i]! !== pts[count - 1]!) pts[count++] = pts[i]!;
  }
  return count;
}

/**
 * Wasserstein-1 (earth mover's) distance between the reference and current
 * distributions, in the feature's units, from two histograms on the same
 * boundaries:
 *
 *   W1 = integral |F_ref(x) - F_cur(x)| dx
 *
 * with each CDF interpolated linearly inside its buckets (uniform density per
 * bucket); the open end buckets continue their neighbour's density, bounded by
 * the histogram's min and max (see `explicitPieces` in piecewise.ts). Between consecutive bucket
 * ends of either histogram both CDFs are linear, so the integral is exact for
 * the interpolated CDFs (trapezoids, split where the difference changes sign).
 * Raw-data equivalent: scipy.stats.wasserstein_distance(u, v).
 * Reference: Villani (2009), "Optimal Transport", remark 6.6 (W1 on the line
 * is the L1 distance of the CDFs); Ramdas, Garcia & Cuturi (2017), Entropy 19(2).
 */
export function wassersteinDistance(ref: ExplicitHistogram, cur: ExplicitHistogram): number {
  checkSameBoundaries(ref, cur);
  return wassersteinOfPieces(explicitPieces(ref, REF_CDF), explicitPieces(cur, CUR_CDF));
}

/**
 * E|mu + sigma Z|, Z standard normal (folded normal mean):
 * sigma sqrt(2/pi) exp(-z^2/2) + |mu| erf(z / sqrt 2), z = |mu| / sigma, with erf from
 * Abramowitz & Stegun (1964) 7.1.26 (absolute error < 1.5e-7), which shares the exponential.
 */
function foldedMean(mu: number, variance: number): number {
  const m = Math.abs(mu);
  if (!(variance > 0)) return m;
  const s = Math.sqrt(variance);
  const x = m / (s * Math.SQRT2);
  if (x > 6) return m;
  const e = Math.exp(-x * x);
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * e;
  return s * SQRT_2_OVER_PI * e + m * erf;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Integral over [0, w] of |D|, D linear from d0 to d1 (split where it changes sign). */
function absLinear(d0: number, d1: number, w: number): number {
  if (d0 * d1 >= 0) return ((Math.abs(d0) + Math.abs(d1)) / 2) * w;
  return ((d0 * d0 + d1 * d1) / (2 * (Math.abs(d0) + Math.abs(d1)))) * w;
}

/** Two-point Gauss-Legendre nodes on [0, 1] (weights 1/2). */
const T1 = 0.5 - 0.5 / Math.sqrt(3);
const T2 = 0.5 + 0.5 / Math.sqrt(3);

/**
 * Integral over [0, w] of E|D + e|: D linear from d0 to d1, e normal with variance v1 and v2 at
 * the two Gauss-Legendre nodes and at most `peak` anywhere; where |D| > 8 sigma throughout, the
 * expectation is |D| to within e^-32 and the exact |D| integral is used.
 */
function expectedAbs(d0: number, d1: number, w: number, v1: number, v2: number, peak: number): number {
  if (!(peak > 0) || (d0 * d1 > 0 && Math.min(d0 * d0, d1 * d1) > 64 * peak)) return absLinear(d0, d1, w);
  return ((foldedMean(d0 + (d1 - d0) * T1, v1) + foldedMean(d0 + (d1 - d0) * T2, v2)) * w) / 2;
}

/** W1 = integral |F - G| dx of two piecewise-linear CDFs (see {@link wassersteinDistance}), walking the sorted piece ends of both once. */
export function wassersteinOfPieces(f: PiecewiseCdf, g: PiecewiseCdf): number {
  const count = breakpoints(f, g);
  const pts = breakpointBuffer;
  let total = 0;
  // the last piece with lo < x, for x increasing through the midpoints
  let kf = -1;
  let kg = -1;
  for (let i = 0; i + 1 < count; i++) {
    const x0 = pts[i]!;
    const x1 = pts[i + 1]!;
    const xm = (x0 + x1) / 2;
    while (kf + 1 < f.pieces && f.lo[kf + 1]! < xm) kf++;
    while (kg + 1 < g.pieces && g.lo[kg + 1]! < xm) kg++;
    const dm = valueAt(f, kf, xm) - valueAt(g, kg, xm);
    const ds = slopeAt(f, kf, xm) - slopeAt(g, kg, xm);
    total += absLinear(dm - ds * (xm - x0), dm + ds * (x1 - xm), x1 - x0);
  }
  return total;
}

/** One side of a cell: its share spread uniformly over [a, b] (a point when a = b), cum before. */
interface CellPiece {
  before: number;
  share: number;
  a: number;
  b: number;
}

/** The side's CDF at x (its right limit when `right`, else its left limit). */
function pieceValue(p: CellPiece, x: number, right: boolean): number {
  if (x < p.a || (x === p.a && !right)) return p.before;
  if (x > p.b || (x === p.b && right) || p.a === p.b) return p.before + p.share;
  return p.before + (p.share * (x - p.a)) / (p.b - p.a);
}

/** Bridge variance of the side's empirical CDF at x: share t (1 - t) / n inside the piece, else 0. */
function pieceVariance(p: CellPiece, x: number, n: number): number {
  if (!(x > p.a && x < p.b)) return 0;
  const t = (x - p.a) / (p.b - p.a);
  return (p.share * t * (1 - t)) / n;
}

/** Places a side's cell [lo, hi] clamped to its [min, max] (a point inside the cell when they miss it) into `p`. */
function place(
  p: CellPiece,
  before: number,
  share: number,
  lo: number,
  hi: number,
  min: number | undefined,
  max: number | undefined,
): void {
  let a = min !== undefined && min > lo ? Math.min(min, hi) : lo;
  const b = max !== undefined && max < hi ? Math.max(max, lo) : hi;
  if (a > b) a = b;
  p.before = before;
  p.share = share;
  p.a = a;
  p.b = b;
}

const REF_PIECE: CellPiece = { before: 0, share: 0, a: 0, b: 0 };
const CUR_PIECE: CellPiece = { before: 0, share: 0, a: 0, b: 0 };
const POINTS = new Float64Array(6);

/**
 * Wasserstein-1 between the two sides of common exponential cells (common-resolution.ts), in the
 * feature's units, estimating what the raw rows would give:
 *
 *   W1 = integral E|F_n(x) - G_m(x)| dx
 *
 * Each side's count in a cell is spread uniformly over the cell clamped to that side's min/max,
 * so both CDFs are linear inside a cell and exact at its ends (W1 of the interpolated CDFs as in
 * {@link wassersteinDistance}). Inside a cell holding c of n observations the empirical CDF
 * deviates from that line by a binomial bridge of variance (c/n) t (1 - t) / n (t the relative
 * position; observations independent and uniform within the cell), so with D = F - G linear and
 * the two bridges independent, E|D + e| = sigma sqrt(2/pi) exp(-D^2 / 2 sigma^2) +
 * |D| erf(|D| / (sigma sqrt 2)) (folded normal mean), integrated by 2-point Gauss-Legendre. Where
 * |D| dominates sigma this is |D| again; where the two CDFs nearly agree (no drift) it adds the
 * part of the sampling noise that lies inside the buckets, without which W1 read low (measured
 * against raw rows: mean error -1% to -2% at 160 buckets, about 0 with it).
 * Reference: Villani (2009), remark 6.6; del Barrio, Gine & Matran (1999), Ann. Probab. 27(2)
 * (W1 of empirical distributions as the L1 norm of a bridge); Leone, Nelson & Nottingham (1961),
 * Technometrics 3(4) (folded normal).
 */
export function wassersteinOfCells(c: CommonCells): number {
  const n = c.referenceCount;
  const m = c.currentCount;
  const f = REF_PIECE;
  const g = CUR_PIECE;
  let cf = 0;
  let cg = 0;
  let total = 0;
  for (let k = 0; k < c.cells; k++) {
    const lo = c.lower[k]!;
    const hi = c.upper[k]!;
    if (k > 0 && lo > c.upper[k - 1]!) total += Math.abs(cf - cg) * (lo - c.upper[k - 1]!);
    const r = c.reference[k]! / n;
    const q = c.current[k]! / m;
    if (hi > lo) {
      place(f, cf, r, lo, hi, c.referenceMin, c.referenceMax);
      place(g, cg, q, lo, hi, c.currentMin, c.currentMax);
      if ((r === 0 || (f.a === lo && f.b === hi)) && (q === 0 || (g.a === lo && g.b === hi))) {
        // both spread over the whole cell: the bridge variance is v t (1 - t), 1/6 v at both nodes
        const v = r / n + q / m;
        total += expectedAbs(cf - cg, cf + r - cg - q, hi - lo, v / 6, v / 6, v / 4);
      } else {
        // a side clamped by its min or max: integrate between the ends of both pieces
        let count = 0;
        for (const x of [lo, hi, f.a, f.b, g.a, g.b]) {
          let j = count++;
          while (j > 0 && POINTS[j - 1]! > x) {
            POINTS[j] = POINTS[j - 1]!;
            j--;
          }
          POINTS[j] = x;
        }
        for (let i = 0; i + 1 < count; i++) {
          const x0 = POINTS[i]!;
          const x1 = POINTS[i + 1]!;
          if (!(x1 > x0)) continue;
          const w = x1 - x0;
          const peak =
            (x0 >= f.a && x1 <= f.b && f.b > f.a ? f.share / (4 * n) : 0) +
            (x0 >= g.a && x1 <= g.b && g.b > g.a ? g.share / (4 * m) : 0);
          const u1 = x0 + T1 * w;
          const u2 = x0 + T2 * w;
          total += expectedAbs(
            pieceValue(f, x0, true) - pieceValue(g, x0, true),
            pieceValue(f, x1, false) - pieceValue(g, x1, false),
            w,
            pieceVariance(f, u1, n) + pieceVariance(g, u1, m),
            pieceVariance(f, u2, n) + pieceVariance(g, u2, m),
            peak,
          );
        }
      }
    }
    cf += r;
    cg += q;
  }
  return total;
}
