/**
 * The bins of the binned drift statistics (PSI, KL, Jensen-Shannon, Hellinger, chi-square): groups
 * of the common cells cut at the reference's quantiles, with each side's count below every edge.
 *
 * Edges. The given edges (a baseline's decile boundaries: type-1 quantiles of the raw reference
 * rows) when they cut the reference into at least two non-empty bins, else quantiles of the
 * reference histogram itself at k/B (B = 10 by default): on explicit cells the cell end where the
 * cumulative share first reaches k/B (whole buckets, as the explicit path always did); on
 * exponential cells the point inside the cell where the linearly interpolated CDF reaches k/B,
 * or the cell's upper end when the cell is isolated (see below). Repeated edges are kept once and
 * edges at or above the reference maximum are dropped, so no bin is empty in the reference by
 * construction.
 *
 * Counts below an edge e (bins are (e[j-1], e[j]], as with raw rows):
 * - exact when e is a cell end, lies between cells, or is below a side's min (0) or at/above its
 *   max (all);
 * - reference, e inside a cell: a cell with no non-empty neighbour in the reference is taken as a
 *   point mass at e and counted whole ("snap": discrete data, where every distinct value has its
 *   own exponential bucket, then gets exactly the raw-row bins); otherwise, when the edges are
 *   this reference's own type-1 deciles (every edge's cell holds the count ceil(k N / 10) of a
 *   decile level, as many levels as edges), that count, which is exact for continuous data;
 *   otherwise linear interpolation within the cell (clamped to the reference's min/max);
 * - current, e inside a cell: when the reference's cell has no non-empty neighbour, the
 *   reference's share below e within that cell (a point mass moves whole); otherwise linear
 *   interpolation within the cell clamped to the current's min/max.
 * Measured against raw rows (README.md, accuracy): snapping everywhere left errors up to 7 times
 * the tolerance on continuous data, interpolating everywhere up to 13 times on Poisson data;
 * this rule meets the targets except where the statistic is mostly sampling noise inside
 * buckets (no drift, 1,000 rows) or a bin holds a handful of rows (PSI/KL). A finer reference
 * (a baseline's) is used at the common scale: reading it at its own resolution moved the worst
 * case by 0.04 of the tolerance once the decile edges are given.
 * Reference: Hyndman & Fan (1996), Am. Stat. 50(4) (type-1 quantiles).
 */
import { cellAt, isolatedCell, type CommonCells } from './common-resolution.js';

/** Bins cut from the common cells (module comment). */
export interface QuantileBins {
  /** Upper edges of all bins but the last (increasing). */
  readonly edges: number[];
  /** Counts per bin (fractional where an edge was interpolated). */
  readonly reference: number[];
  readonly current: number[];
  /** 'given' when the given edges were used, 'reference' when cut from the reference histogram. */
  readonly source: 'given' | 'reference';
}

/** Prefix sums of both sides, reused by every call (nothing here calls out, so no call can interleave). */
const PREFIX = [new Float64Array(256), new Float64Array(256)];

/** Prefix sums into PREFIX[which]: cum[k] = counts before cell k. */
function prefix(counts: Float64Array, cells: number, which: 0 | 1): Float64Array {
  if (PREFIX[which]!.length < cells + 1) PREFIX[which] = new Float64Array(2 * (cells + 1));
  const cum = PREFIX[which]!;
  cum[0] = 0;
  for (let k = 0; k < cells; k++) cum[k + 1] = cum[k]! + counts[k]!;
  return cum;
}

/**
 * The cell holding x strictly inside, or -1 - (count at or below x) when that count is exact
 * (x at a cell end, between cells, or outside them). Cells are upper-closed.
 */
function locate(c: CommonCells, cum: Float64Array, x: number): number {
  const l = cellAt(c, x);
  if (l >= c.cells || x <= c.lower[l]!)
    return l < c.cells && x === c.lower[l] && c.lower[l] === c.upper[l] ? -1 - cum[l + 1]! : -1 - cum[l]!;
  if (x === c.upper[l]) return -1 - cum[l + 1]!;
  return l;
}

/** Count at or below x of `count` spread uniformly over [lo, hi] clamped to [min, max]. */
function interpolate(
  lo: number,
  hi: number,
  count: number,
  min: number | undefined,
  max: number | undefined,
  x: number,
): number {
  const a = min !== undefined && min > lo ? min : lo;
  const b = max !== undefined && max < hi ? max : hi;
  if (!(b > a)) return x >= b ? count : 0;
  return count * Math.min(1, Math.max(0, (x - a) / (b - a)));
}

/**
 * Decile levels of the given edges when they are this reference's own type-1 deciles: for each
 * edge strictly inside a non-isolated cell, the count ceil(k N / 10) of its level (undefined
 * where the cell holds another number of levels than edges); null when some such edge's cell
 * holds no level at all, or N is not an integer.
 */
function decileLevels(c: CommonCells, refCum: Float64Array, edges: readonly number[]): (number | undefined)[] | null {
  const n = c.referenceCount;
  if (!Number.isInteger(n)) return null;
  const out = new Array<number | undefined>(edges.length).fill(undefined);
  let i = 0;
  while (i < edges.length) {
    const k = locate(c, refCum, edges[i]!);
    if (k < 0 || isolatedCell(c, c.reference, k)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < edges.length && edges[j]! < c.upper[k]!) j++;
    let first = 0;
    let found = 0;
    for (let q = 1; q < 10; q++) {
      const level = Math.ceil((q * n) / 10);
      if (level > refCum[k]! && level <= refCum[k + 1]!) {
        if (found === 0) first = q;
        found++;
      }
    }
    if (found === 0) return null;
    if (found === j - i) for (let q = i; q < j; q++) out[q] = Math.ceil(((first + q - i) * n) / 10);
    i = j;
  }
  return out;
}

/** Reference count at or below e (module comment). */
function referenceBelow(c: CommonCells, refCum: Float64Array, e: number, level: number | undefined): number {
  if (c.referenceMin !== undefined && e < c.referenceMin) return 0;
  if (c.referenceMax !== undefined && e >= c.referenceMax) return c.referenceCount;
  const k = locate(c, refCum, e);
  if (k < 0) return -1 - k;
  if (isolatedCell(c, c.reference, k)) return refCum[k + 1]!;
  if (level !== undefined) return level;
  return refCum[k]! + interpolate(c.lower[k]!, c.upper[k]!, c.reference[k]!, c.referenceMin, c.referenceMax, e);
}

/** Current count at or below e, given the reference's (module comment). */
function currentBelow(c: CommonCells, refCum: Float64Array, curCum: Float64Array, e: number, refBelow: number): number {
  if (c.currentMin !== undefined && e < c.currentMin) return 0;
  if (c.currentMax !== undefined && e >= c.currentMax) return c.currentCount;
  const k = locate(c, curCum, e);
  if (k < 0) return -1 - k;
  const r = c.reference[k]!;
  if (r > 0 && isolatedCell(c, c.reference, k)) {
    const share = (refBelow - refCum[k]!) / r;
    return curCum[k]! + c.current[k]! * (share < 0 ? 0 : share > 1 ? 1 : share);
  }
  return curCum[k]! + interpolate(c.lower[k]!, c.upper[k]!, c.current[k]!, c.currentMin, c.currentMax, e);
}

/** Appends edge e (with the reference count below it) unless it repeats the last one. */
function pushEdge(edges: number[], below: number[], e: number, b: number): void {
  if (edges.length > 0 && e <= edges[edges.length - 1]!) return;
  edges.push(e);
  below.push(b);
}

/** Edges cut from the reference histogram (module comment), with the reference count below each. */
function referenceEdges(c: CommonCells, refCum: Float64Array, bins: number, edges: number[], below: number[]): void {
  const n = c.referenceCount;
  let k = 0;
  for (let q = 1; q < bins; q++) {
    const t = (q / bins) * n;
    while (k < c.cells && refCum[k + 1]! < t) k++;
    if (k >= c.cells) break;
    if (c.kind === 'explicit' || isolatedCell(c, c.reference, k)) {
      if (!Number.isFinite(c.upper[k]!)) break;
      pushEdge(edges, below, c.upper[k]!, refCum[k + 1]!);
      continue;
    }
    const lo = c.referenceMin !== undefined && c.referenceMin > c.lower[k]! ? c.referenceMin : c.lower[k]!;
    const hi = c.referenceMax !== undefined && c.referenceMax < c.upper[k]! ? c.referenceMax : c.upper[k]!;
    pushEdge(edges, below, lo + ((t - refCum[k]!) / c.reference[k]!) * (hi - lo), t);
  }
  // an edge at or above the last reference value leaves an empty top bin
  let top = c.referenceMax;
  if (top === undefined) {
    top = -Infinity;
    for (let j = c.cells - 1; j >= 0; j--) {
      if (c.reference[j]! > 0) {
        top = c.upper[j]!;
        break;
      }
    }
  }
  while (edges.length > 0 && edges[edges.length - 1]! >= top) {
    edges.pop();
    below.pop();
  }
}

function toBins(
  c: CommonCells,
  refCum: Float64Array,
  curCum: Float64Array,
  edges: number[],
  refBelow: readonly number[],
  source: 'given' | 'reference',
): QuantileBins {
  const reference: number[] = [];
  const current: number[] = [];
  let prevR = 0;
  let prevC = 0;
  for (let j = 0; j < edges.length; j++) {
    const r = Math.min(c.referenceCount, Math.max(prevR, refBelow[j]!));
    const q = Math.min(c.currentCount, Math.max(prevC, currentBelow(c, refCum, curCum, edges[j]!, r)));
    reference.push(r - prevR);
    current.push(q - prevC);
    prevR = r;
    prevC = q;
  }
  reference.push(c.referenceCount - prevR);
  current.push(c.currentCount - prevC);
  return { edges, reference, current, source };
}

function nonEmpty(counts: readonly number[]): number {
  let k = 0;
  for (const x of counts) if (x > 0) k++;
  return k;
}

/**
 * The quantile bins of two histograms on their common cells `c`: the given decile `edges` when
 * they cut the reference into at least two non-empty bins, else `bins` quantile bins of the
 * reference histogram (module comment).
 */
export function quantileBins(c: CommonCells, edges: readonly number[] | undefined, bins: number): QuantileBins {
  const refCum = prefix(c.reference, c.cells, 0);
  const curCum = prefix(c.current, c.cells, 1);
  if (edges !== undefined && edges.length > 0) {
    const levels = decileLevels(c, refCum, edges);
    const below = edges.map((e, i) => referenceBelow(c, refCum, e, levels?.[i]));
    const given = toBins(c, refCum, curCum, [...edges], below, 'given');
    if (nonEmpty(given.reference) >= 2) return given;
  }
  const cut: number[] = [];
  const below: number[] = [];
  referenceEdges(c, refCum, bins, cut, below);
  return toBins(c, refCum, curCum, cut, below, 'reference');
}
