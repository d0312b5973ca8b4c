/**
 * The finest common resolution of two numeric histograms: aligned cells holding both sides'
 * counts, on which KS, Wasserstein-1 and the quantile bins are computed.
 *
 * - Both exponential: both at the lower of their scales (index i >> (scale - common), exact;
 *   the OpenTelemetry merge rule), cells in increasing order: negative buckets
 *   [-b^(i+1), -b^i), the zero bucket [-z, z] (a point at 0 when the zero threshold z is 0),
 *   positive buckets (b^i, b^(i+1)], b = 2^(2^-scale). Only cells holding a count on either side
 *   are kept. With different zero thresholds the larger one is used and the buckets of the
 *   other side that lie below it join the zero cell.
 * - Both explicit, same boundaries: the buckets (exact).
 * - Otherwise (explicit with other boundaries, or one side exponential, which is first written
 *   as an explicit histogram on its own bucket edges, exactly): one side is re-binned onto the
 *   other's boundaries by spreading each bucket uniformly (`rebinExplicit`, open ends bounded by
 *   min/max): the current onto the reference's boundaries first (the explicit side's, when one
 *   side is exponential), then the other way; when both are refused (a source bucket far coarser
 *   than the target layout, or an open end bucket with unknown min/max straddling target edges)
 *   there is no common resolution and the reason says why.
 * Reference: OpenTelemetry metrics data model, "ExponentialHistogram" (bucket bounds, scale
 * changes by merging 2^k neighbouring buckets).
 */
import { assertValidExplicitHistogram, explicitFromExponential, exponentialLowerBound } from '@otel-ml/conventions';
import type { ExplicitHistogram, ExponentialBuckets, ExponentialHistogram } from '@otel-ml/conventions';
import { rebinExplicit } from './binning.js';
import { StatisticsInputError } from './validate.js';

/** A numeric feature's histogram: explicit buckets or a base-2 exponential histogram. */
export type NumericHistogram = ExplicitHistogram | ExponentialHistogram;

/** True for a base-2 exponential histogram. */
export function isExponentialHistogram(h: NumericHistogram): h is ExponentialHistogram {
  return (h as ExponentialHistogram).scale !== undefined;
}

/** Aligned cells of two histograms (see the module comment). */
export interface CommonCells {
  /** 'exponential' (common scale) or 'explicit' (common boundaries). */
  readonly kind: 'exponential' | 'explicit';
  /** The common scale (exponential), else null. */
  readonly scale: number | null;
  /** Number of cells: the arrays below hold them in their first `cells` entries. */
  readonly cells: number;
  /** Cell bounds, increasing and not overlapping; explicit end cells may be infinite. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Counts per cell. */
  readonly reference: Float64Array;
  readonly current: Float64Array;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly referenceMin?: number;
  readonly referenceMax?: number;
  readonly currentMin?: number;
  readonly currentMax?: number;
  /** Both sides on the common boundaries (explicit kind only), for the open-end rule of W1. */
  readonly explicit?: { readonly reference: ExplicitHistogram; readonly current: ExplicitHistogram };
  /** What was done to reach the common resolution (re-binning), or null when it was exact. */
  readonly note: string | null;
}

/** The first cell k whose upper bound is at least x (c.cells when none), by bisection. */
export function cellAt(c: CommonCells, x: number): number {
  let l = 0;
  let r = c.cells;
  while (l < r) {
    const mid = (l + r) >>> 1;
    if (c.upper[mid]! < x) l = mid + 1;
    else r = mid;
  }
  return l;
}

/**
 * True when cell k has no touching cell with a count in `counts` (one side's counts): its
 * values are taken to be one point (discrete data give every distinct value its own exponential
 * bucket). A point cell is isolated.
 */
export function isolatedCell(c: CommonCells, counts: Float64Array, k: number): boolean {
  if (c.lower[k] === c.upper[k]) return true;
  if (k > 0 && counts[k - 1]! > 0 && c.upper[k - 1] === c.lower[k]) return false;
  return !(k + 1 < c.cells && counts[k + 1]! > 0 && c.lower[k + 1] === c.upper[k]);
}

export type CommonResolution =
  { readonly ok: true; readonly cells: CommonCells } | { readonly ok: false; readonly reason: string };

/** 2^e for every integer e a bucket bound can have (exact; 0 below the subnormals, Infinity above). */
const POW2_MIN = -1100;
const POW2 = Float64Array.from({ length: 2200 }, (_, i) => 2 ** (i + POW2_MIN));
/** 2^(j / 2^s) for j < 2^s, per scale s in 1..12 (built when first used); index 0 unused. */
const FRACTIONS: (Float64Array | undefined)[] = [];

/** The table of 2^(j / 2^scale) for a scale in 1..12, else undefined. */
function fractionTable(scale: number): Float64Array | undefined {
  if (scale <= 0 || scale > 12) return undefined;
  let table = FRACTIONS[scale];
  if (table === undefined) {
    const size = 2 ** scale;
    table = Float64Array.from({ length: size }, (_, j) => (j === 0 ? 1 : 2 ** (j / size)));
    FRACTIONS[scale] = table;
  }
  return table;
}

function pow2(e: number): number {
  return e < POW2_MIN ? 0 : e >= POW2_MIN + POW2.length ? Infinity : POW2[e - POW2_MIN]!;
}

/**
 * exponentialLowerBound(index, scale), the same value (2^whole times 2^(frac / 2^scale)), with
 * both factors from tables (`table` = fractionTable(scale)); evaluation computes two bounds per
 * bucket of every comparison.
 */
function lowerBound(index: number, scale: number, table: Float64Array | undefined): number {
  if (scale <= 0) return pow2(index * 2 ** -scale);
  if (table === undefined) return exponentialLowerBound(index, scale);
  const whole = index >> scale;
  return pow2(whole) * table[index - whole * (1 << scale)]!;
}

/** One sign's non-empty buckets at a lower scale: indexes (non-decreasing) and counts, in growable buffers. */
class Runs {
  n = 0;
  index = new Float64Array(256);
  count = new Float64Array(256);
}

/**
 * Buffers reused by every comparison (allocating typed arrays cost more than filling them): the
 * runs of both sides' two signs. Nothing here calls out, so no call can interleave with another.
 */
const SCRATCH_RUNS = [new Runs(), new Runs(), new Runs(), new Runs()] as const;

function runs(b: ExponentialBuckets, by: number, what: string, out: Runs = new Runs()): Runs {
  const c = b.bucketCounts;
  if (out.index.length < c.length) {
    out.index = new Float64Array(c.length);
    out.count = new Float64Array(c.length);
  }
  out.n = 0;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    if (!(v >= 0) || !Number.isFinite(v))
      throw new StatisticsInputError(`${what}: bucket ${b.offset + i} count is negative or not finite (${v})`);
    if (v === 0) continue;
    const idx = (b.offset + i) >> by;
    if (out.n > 0 && out.index[out.n - 1] === idx) out.count[out.n - 1]! += v;
    else {
      out.index[out.n] = idx;
      out.count[out.n] = v;
      out.n++;
    }
  }
  return out;
}

function checkExponential(h: ExponentialHistogram, what: string): void {
  if (!Number.isInteger(h.scale) || h.scale < -10 || h.scale > 20)
    throw new StatisticsInputError(`${what}: scale ${h.scale} is outside [-10, 20]`);
  const zt = h.zeroThreshold ?? 0;
  if (!(zt >= 0) || !Number.isFinite(zt))
    throw new StatisticsInputError(`${what}: zero threshold ${zt} is negative or not finite`);
  if (!(h.zeroCount >= 0) || !Number.isFinite(h.zeroCount))
    throw new StatisticsInputError(`${what}: zero count ${h.zeroCount} is negative or not finite`);
  if (!Number.isInteger(h.positive.offset) || !Number.isInteger(h.negative.offset))
    throw new StatisticsInputError(`${what}: bucket offsets must be integers`);
  checkMinMax(h, what);
}

/** Throws unless min and max, where given, are finite with min <= max. */
function checkMinMax(h: NumericHistogram, what: string): void {
  if (
    (h.min !== undefined && !Number.isFinite(h.min)) ||
    (h.max !== undefined && !Number.isFinite(h.max)) ||
    (h.min !== undefined && h.max !== undefined && h.min > h.max)
  ) {
    throw new StatisticsInputError(`${what}: min ${h.min} and max ${h.max} must be finite with min <= max`);
  }
}

function total(r: Runs): number {
  let t = 0;
  for (let i = 0; i < r.n; i++) t += r.count[i]!;
  return t;
}

/** One side's runs at the common scale, checked against its count. */
interface Side {
  readonly pos: Runs;
  readonly neg: Runs;
  zero: number;
  /** Runs below the zero cell (folded into it), from the low end of pos and neg. */
  skipPos: number;
  skipNeg: number;
}

function sideAt(h: ExponentialHistogram, scale: number, what: string, pos: Runs, neg: Runs): Side {
  runs(h.positive, h.scale - scale, what, pos);
  runs(h.negative, h.scale - scale, what, neg);
  const sum = total(pos) + total(neg) + h.zeroCount;
  if (Math.abs(sum - h.count) > 1e-9 * Math.max(1, sum))
    throw new StatisticsInputError(`${what}: bucket counts add up to ${sum} but count is ${h.count}`);
  return { pos, neg, zero: h.zeroCount, skipPos: 0, skipNeg: 0 };
}

/**
 * Folds the runs of `x` whose buckets start below the zero threshold `zt` into the side's zero
 * count; returns how far the zero cell must reach (the largest upper bound folded).
 */
function foldBelow(
  x: Runs,
  zt: number,
  scale: number,
  table: Float64Array | undefined,
  s: Side,
  positive: boolean,
): number {
  let reach = zt;
  let i = 0;
  while (i < x.n && lowerBound(x.index[i]!, scale, table) < zt) {
    reach = Math.max(reach, lowerBound(x.index[i]! + 1, scale, table));
    s.zero += x.count[i]!;
    i++;
  }
  if (positive) s.skipPos = i;
  else s.skipNeg = i;
  return reach;
}

/** Growable cell buffers: one instance reused by compareNumeric, fresh ones for commonResolution. */
class CellBuffers {
  lower = new Float64Array(0);
  upper = new Float64Array(0);
  reference = new Float64Array(0);
  current = new Float64Array(0);

  reserve(cells: number): void {
    if (this.lower.length >= cells) return;
    const size = Math.max(cells, 2 * this.lower.length);
    this.lower = new Float64Array(size);
    this.upper = new Float64Array(size);
    this.reference = new Float64Array(size);
    this.current = new Float64Array(size);
  }
}

const SCRATCH_CELLS = new CellBuffers();

/** Both exponential histograms at their common scale (module comment), in `out`. */
function exponentialCells(ref: ExponentialHistogram, cur: ExponentialHistogram, out: CellBuffers): CommonCells {
  checkExponential(ref, 'reference histogram');
  checkExponential(cur, 'current histogram');
  const scale = Math.min(ref.scale, cur.scale);
  const [rp, rn, cp, cn] = SCRATCH_RUNS;
  const r = sideAt(ref, scale, 'reference histogram', rp, rn);
  const c = sideAt(cur, scale, 'current histogram', cp, cn);
  const zt = Math.max(ref.zeroThreshold ?? 0, cur.zeroThreshold ?? 0);
  const table = fractionTable(scale);
  // the zero cell, extended over the buckets that lie below the larger zero threshold
  let zLo = -zt;
  let zHi = zt;
  if (zt > 0) {
    zHi = Math.max(foldBelow(r.pos, zt, scale, table, r, true), foldBelow(c.pos, zt, scale, table, c, true));
    zLo = -Math.max(foldBelow(r.neg, zt, scale, table, r, false), foldBelow(c.neg, zt, scale, table, c, false));
  }
  out.reserve(r.pos.n + r.neg.n + c.pos.n + c.neg.n + 1);
  const { lower, upper, reference: rc, current: cc } = out;
  let n = 0;
  // negative cells: decreasing index is increasing value; merge the two sides' runs from the top
  let i = r.neg.n - 1;
  let j = c.neg.n - 1;
  let prev = NaN;
  while (i >= r.skipNeg || j >= c.skipNeg) {
    const a = i >= r.skipNeg ? r.neg.index[i]! : -Infinity;
    const b = j >= c.skipNeg ? c.neg.index[j]! : -Infinity;
    const idx = a > b ? a : b;
    // the previous cell's upper bound when it is the neighbour (one table product saved)
    lower[n] = prev === idx + 1 ? upper[n - 1]! : -lowerBound(idx + 1, scale, table);
    upper[n] = -lowerBound(idx, scale, table);
    prev = idx;
    rc[n] = a === idx ? r.neg.count[i--]! : 0;
    cc[n] = b === idx ? c.neg.count[j--]! : 0;
    n++;
  }
  if (r.zero > 0 || c.zero > 0) {
    lower[n] = zLo;
    upper[n] = zHi;
    rc[n] = r.zero;
    cc[n] = c.zero;
    n++;
  }
  i = r.skipPos;
  j = c.skipPos;
  prev = NaN;
  while (i < r.pos.n || j < c.pos.n) {
    const a = i < r.pos.n ? r.pos.index[i]! : Infinity;
    const b = j < c.pos.n ? c.pos.index[j]! : Infinity;
    const idx = a < b ? a : b;
    lower[n] = prev === idx - 1 ? upper[n - 1]! : lowerBound(idx, scale, table);
    upper[n] = lowerBound(idx + 1, scale, table);
    prev = idx;
    rc[n] = a === idx ? r.pos.count[i++]! : 0;
    cc[n] = b === idx ? c.pos.count[j++]! : 0;
    n++;
  }
  const known = ref.count > 0;
  const knownCur = cur.count > 0;
  return {
    kind: 'exponential',
    scale,
    cells: n,
    lower,
    upper,
    reference: rc,
    current: cc,
    referenceCount: ref.count,
    currentCount: cur.count,
    referenceMin: known ? ref.min : undefined,
    referenceMax: known ? ref.max : undefined,
    currentMin: knownCur ? cur.min : undefined,
    currentMax: knownCur ? cur.max : undefined,
    note: null,
  };
}

/**
 * An exponential histogram as an explicit one on its own bucket edges (exact): the conventions'
 * `explicitFromExponential` (the edges of its non-empty buckets in increasing order; zero-bucket
 * counts in the bucket ending at 0, or at the zero threshold z > 0), after checking `h`.
 */
export function exponentialAsExplicit(h: ExponentialHistogram): ExplicitHistogram {
  checkExponential(h, 'exponential histogram');
  runs(h.positive, 0, 'exponential histogram');
  runs(h.negative, 0, 'exponential histogram');
  return explicitFromExponential(h);
}

function explicitCells(
  ref: ExplicitHistogram,
  cur: ExplicitHistogram,
  note: string | null,
  out: CellBuffers,
): CommonCells {
  const b = ref.boundaries;
  const n = b.length + 1;
  out.reserve(n);
  const { lower, upper, reference, current } = out;
  for (let i = 0; i < n; i++) {
    lower[i] = i === 0 ? -Infinity : b[i - 1]!;
    upper[i] = i === n - 1 ? Infinity : b[i]!;
    reference[i] = ref.counts[i]!;
    current[i] = cur.counts[i]!;
  }
  return {
    kind: 'explicit',
    scale: null,
    cells: n,
    lower,
    upper,
    reference,
    current,
    referenceCount: ref.count,
    currentCount: cur.count,
    referenceMin: ref.count > 0 ? ref.min : undefined,
    referenceMax: ref.count > 0 ? ref.max : undefined,
    currentMin: cur.count > 0 ? cur.min : undefined,
    currentMax: cur.count > 0 ? cur.max : undefined,
    explicit: { reference: ref, current: cur },
    note,
  };
}

const sameBoundaries = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * The common cells of a reference and a current histogram (module comment), or the reason
 * there are none. Malformed histograms throw a {@link StatisticsInputError}.
 */
export function commonResolution(reference: NumericHistogram, current: NumericHistogram): CommonResolution {
  const r = resolve(reference, current, new CellBuffers());
  if (!r.ok) return r;
  const c = r.cells;
  // the buffers may be longer than the cells: hand out exactly the cells
  const cut = (a: Float64Array): Float64Array => (a.length === c.cells ? a : a.slice(0, c.cells));
  return {
    ok: true,
    cells: { ...c, lower: cut(c.lower), upper: cut(c.upper), reference: cut(c.reference), current: cut(c.current) },
  };
}

/**
 * {@link commonResolution} into buffers that the next call overwrites: for compareNumeric, which
 * is done with the cells before it returns.
 */
export function commonResolutionScratch(reference: NumericHistogram, current: NumericHistogram): CommonResolution {
  return resolve(reference, current, SCRATCH_CELLS);
}

function resolve(reference: NumericHistogram, current: NumericHistogram, out: CellBuffers): CommonResolution {
  const re = isExponentialHistogram(reference);
  const ce = isExponentialHistogram(current);
  if (re && ce) return { ok: true, cells: exponentialCells(reference, current, out) };
  if (!re) {
    assertValidExplicitHistogram(reference, 'reference histogram');
    checkMinMax(reference, 'reference histogram');
  }
  if (!ce) {
    assertValidExplicitHistogram(current, 'current histogram');
    checkMinMax(current, 'current histogram');
  }
  const ref = re ? exponentialAsExplicit(reference) : reference;
  const cur = ce ? exponentialAsExplicit(current) : current;
  if (sameBoundaries(ref.boundaries, cur.boundaries)) return { ok: true, cells: explicitCells(ref, cur, null, out) };
  // the current onto the reference's boundaries first, unless the reference is the exponential side
  const order = re && !ce ? (['reference', 'current'] as const) : (['current', 'reference'] as const);
  const reasons: string[] = [];
  for (const moved of order) {
    const source = moved === 'current' ? cur : ref;
    const target = moved === 'current' ? ref : cur;
    const r = rebinExplicit(source, target.boundaries);
    if (r.ok) {
      const note = `${moved} histogram re-binned onto the ${moved === 'current' ? 'reference' : 'current'}'s ${target.boundaries.length} boundaries (${pct(r.interpolatedFraction)} of its count interpolated)`;
      return {
        ok: true,
        cells:
          moved === 'current' ? explicitCells(ref, r.histogram, note, out) : explicitCells(r.histogram, cur, note, out),
      };
    }
    reasons.push(`${moved} onto the ${moved === 'current' ? 'reference' : 'current'}'s boundaries: ${r.reason}`);
  }
  return { ok: false, reason: `no common resolution (${reasons.join('; ')})` };
}
