/**
 * A histogram's CDF as pieces of uniform density (linear CDF inside each piece), the shape that
 * Wasserstein-1 integrates, from explicit buckets (open ends continuing their neighbour's
 * density).
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';

/**
 * A CDF as non-overlapping pieces of uniform density, in increasing order. Two
 * module-level instances are reused by every call (evaluation runs it for each feature of each
 * window; nothing here calls out, so no call can interleave with another).
 */
export class PiecewiseCdf {
  /** Number of pieces (the arrays below may be longer). */
  pieces = 0;
  lo = new Float64Array(64);
  hi = new Float64Array(64);
  /** Cumulative proportion before piece k (pieces + 1 entries used). */
  cum = new Float64Array(65);

  reserve(pieces: number): void {
    if (this.lo.length >= pieces) return;
    this.lo = new Float64Array(pieces);
    this.hi = new Float64Array(pieces);
    this.cum = new Float64Array(pieces + 1);
  }
}

/** Two instances reused by the callers that need one CDF per side (nothing here calls out, so no call can interleave). */
export const REF_CDF = new PiecewiseCdf();
export const CUR_CDF = new PiecewiseCdf();

/** How far an open end bucket extends beyond its boundary (see `piecewise`). */
function extent(end: number, neighbour: number, width: number, bound: number | undefined): number {
  const e = neighbour > 0 ? (width * end) / neighbour : Infinity;
  if (bound !== undefined) return Math.min(e, bound);
  return Number.isFinite(e) ? e : width;
}

/**
 * Bucket ranges: interior bucket i is [b[i-1], b[i]]. An open end bucket
 * continues the density of its neighbour: with c_e observations in the end
 * bucket and c_n in the adjacent bucket of width w, it extends w c_e / c_n
 * beyond the boundary, but never past the histogram's min (max). Without a
 * neighbour count it reaches min (max); without those either, it is given the
 * neighbour's width (a point mass at the boundary when there is no neighbour).
 * Continuing the density keeps a single extreme value from stretching the
 * whole end bucket (uniform spreading to min/max overstated W1 several-fold
 * for heavy tails), while mass that moves into the tail still moves outwards.
 */
export function explicitPieces(h: ExplicitHistogram, out: PiecewiseCdf): PiecewiseCdf {
  const b = h.boundaries;
  const n = b.length;
  out.reserve(n + 1);
  const { lo, hi, cum } = out;
  cum[0] = 0;
  let k = 0;
  for (let i = 0; i <= n; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    let a: number;
    let z: number;
    if (n === 0) {
      a = h.min ?? h.max ?? 0;
      z = h.max ?? a;
    } else if (n === 1) {
      a = i === 0 ? (h.min ?? b[0]!) : b[0]!;
      z = i === 0 ? b[0]! : (h.max ?? b[0]!);
    } else {
      a =
        i === 0
          ? b[0]! - extent(c, h.counts[1]!, b[1]! - b[0]!, h.min === undefined ? undefined : b[0]! - h.min)
          : b[i - 1]!;
      z =
        i === n
          ? b[n - 1]! +
            extent(c, h.counts[n - 1]!, b[n - 1]! - b[n - 2]!, h.max === undefined ? undefined : h.max - b[n - 1]!)
          : b[i]!;
    }
    if (h.min !== undefined && h.min > a) a = h.min;
    if (h.max !== undefined && h.max < z) z = h.max;
    if (a > z) a = z;
    lo[k] = a;
    hi[k] = z;
    cum[k + 1] = cum[k]! + c / h.count;
    k++;
  }
  out.pieces = k;
  return out;
}

/** F(x) at a point x that is not a piece end, given k, the last piece with lo[k] < x (-1 when none). */
export function valueAt(f: PiecewiseCdf, k: number, x: number): number {
  if (k < 0) return 0;
  const lo = f.lo[k]!;
  const hi = f.hi[k]!;
  if (x >= hi) return f.cum[k + 1]!;
  return f.cum[k]! + slopeAt(f, k, x) * (x - lo);
}

/** dF/dx at a point x that is not a piece end, given k, the last piece with lo[k] < x (-1 when none). */
export function slopeAt(f: PiecewiseCdf, k: number, x: number): number {
  if (k < 0) return 0;
  const lo = f.lo[k]!;
  const hi = f.hi[k]!;
  if (x >= hi) return 0;
  const share = f.cum[k + 1]! - f.cum[k]!;
  return share / (hi - lo);
}
