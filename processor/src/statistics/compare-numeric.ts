/**
 * One entry point for comparing a numeric feature's current distribution with its reference,
 * whatever the two histograms are: explicit buckets or base-2 exponential histograms, at any
 * scales.
 */
import { binnedDrift } from './binned.js';
import type { BinnedDrift } from './binned.js';
import { commonResolutionScratch } from './common-resolution.js';
import type { CommonCells, NumericHistogram } from './common-resolution.js';
import { criticalValues } from './critical-values.js';
import type { CriticalValues } from './critical-values.js';
import { ksOfCells } from './ks.js';
import type { KsResult } from './ks.js';
import { CUR_CDF, REF_CDF, explicitPieces } from './piecewise.js';
import { quantileBins } from './quantile-bins.js';
import { StatisticsInputError, checkBoundaries, checkProbability } from './validate.js';
import { wassersteinOfCells, wassersteinOfPieces } from './wasserstein.js';
import { DEFAULT_ALPHA } from './defaults.js';

export interface CompareNumericOptions {
  /**
   * The reference's decile edges, e.g. a baseline's `decileBoundaries` (type-1 quantiles of the
   * raw reference rows). Without them, or when they do not cut this reference into two bins,
   * the bins are cut at the reference histogram's own quantiles.
   */
  readonly decileEdges?: readonly number[];
  /** Level of the critical values (default 0.01). */
  readonly alpha?: number;
  /** Number of quantile bins cut from the reference histogram when no edges are used (default 10). */
  readonly bins?: number;
  /** Pseudo-proportion of the empty-bin rule for PSI and KL (default 1e-4; see smoothing.ts). */
  readonly epsilon?: number;
}

/** One bin of the binned statistics, with each side's share (for "bins that moved most"). */
export interface NumericBin {
  /** Lower edge (exclusive); null for the first bin. */
  readonly lower: number | null;
  /** Upper edge (inclusive); null for the last bin. */
  readonly upper: number | null;
  /** Share of the reference count in the bin. */
  readonly reference: number;
  /** Share of the current count in the bin. */
  readonly current: number;
}

/** The resolution both histograms were compared at. */
export interface ComparisonResolution {
  /** 'exponential' (both at a common scale) or 'explicit' (common boundaries). */
  readonly kind: 'exponential' | 'explicit';
  /** The common scale (exponential), else null. */
  readonly scale: number | null;
  /** Cells holding a count on either side. */
  readonly cells: number;
  /** What was done to reach it (re-binning), or null when exact. */
  readonly note: string | null;
}

/** Everything {@link compareNumeric} computes for one feature. */
export interface NumericComparison {
  /**
   * 'ok'; 'insufficient_resolution' when the reference cannot be cut into two bins (a constant
   * feature, all reference values in one bucket, zero only) or there is no common resolution:
   * the binned statistics are null and the test is KS (null too without a common resolution);
   * 'insufficient_data' when a side has no values: every statistic is null.
   */
  readonly status: 'ok' | 'insufficient_resolution' | 'insufficient_data';
  /** Why the status is not 'ok' (null when it is). */
  readonly reason: string | null;
  readonly referenceCount: number;
  readonly currentCount: number;
  /** The common resolution, null without one. */
  readonly resolution: ComparisonResolution | null;
  /** KS on the common cells (a lower bound of the raw-data statistic; see ksOfCells). */
  readonly ks: KsResult | null;
  /** Wasserstein-1 on the common cells, in the feature's units. */
  readonly wasserstein: number | null;
  /** PSI, KL, JS, Hellinger and chi-square on the quantile bins; null when they cannot be cut. */
  readonly binned: BinnedDrift | null;
  /** The quantile bins with both sides' shares ([] when not cut). */
  readonly bins: readonly NumericBin[];
  /** Counts per bin (fractional where an edge was interpolated). */
  readonly referenceBinCounts: readonly number[];
  readonly currentBinCounts: readonly number[];
  /** Where the bin edges came from: the given decile edges, or the reference histogram. */
  readonly binEdges: 'given' | 'reference' | null;
  /** Critical values at alpha for these sizes and bins (binned ones 0 with fewer than two bins). */
  readonly critical: CriticalValues | null;
  /** The feature's test: chi-square homogeneity on the bins, or KS when the bins cannot be cut. */
  readonly test: 'chi_square' | 'ks' | null;
  /** That test's p-value (null when not computed). */
  readonly pValue: number | null;
  /**
   * True when the two ranges provably do not overlap (from min/max, or from cells): a complete
   * shift, which the decision always flags when there are enough rows.
   */
  readonly completeShift: boolean;
}

function empty(
  referenceCount: number,
  currentCount: number,
  status: 'insufficient_resolution' | 'insufficient_data',
  reason: string,
): NumericComparison {
  return {
    status,
    reason,
    referenceCount,
    currentCount,
    resolution: null,
    ks: null,
    wasserstein: null,
    binned: null,
    bins: [],
    referenceBinCounts: [],
    currentBinCounts: [],
    binEdges: null,
    critical: null,
    test: null,
    pValue: null,
    completeShift: false,
  };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6));

/** Why the reference cannot be cut into two bins, or null when it holds values in two cells. */
function oneCellReason(c: CommonCells): string | null {
  let only = -1;
  for (let k = 0; k < c.cells; k++) {
    if (c.reference[k]! <= 0) continue;
    if (only >= 0) return null;
    only = k;
  }
  const lo = c.lower[only]!;
  const hi = c.upper[only]!;
  if (c.referenceMin !== undefined && c.referenceMin === c.referenceMax)
    return `the reference is constant (all ${fmt(c.referenceCount)} values are ${fmt(c.referenceMin)})`;
  if (lo === 0 && hi === 0) return `the reference is constant (all ${fmt(c.referenceCount)} values are 0)`;
  // negative exponential buckets are [-b^(i+1), -b^i), all others (lo, hi]
  const negative = c.kind === 'exponential' && hi <= 0;
  const open = lo === -Infinity ? '(-inf' : `${negative ? '[' : '('}${fmt(lo)}`;
  const close = hi === Infinity ? 'inf)' : `${fmt(hi)}${negative ? ')' : ']'}`;
  const where = lo === hi ? `at ${fmt(lo)}` : `in one bucket ${open}, ${close}`;
  return `all ${fmt(c.referenceCount)} reference values lie ${where} of the common resolution, so they cannot be cut into two bins`;
}

/** True when the ranges provably do not overlap. */
function rangesApart(c: CommonCells): boolean {
  if (
    c.referenceMin !== undefined &&
    c.referenceMax !== undefined &&
    c.currentMin !== undefined &&
    c.currentMax !== undefined
  ) {
    return c.currentMin > c.referenceMax || c.currentMax < c.referenceMin;
  }
  // from the cells: every current cell above (or below) every reference cell
  let rFirst = -1;
  let rLast = -1;
  let cFirst = -1;
  let cLast = -1;
  for (let k = 0; k < c.cells; k++) {
    if (c.reference[k]! > 0) {
      if (rFirst < 0) rFirst = k;
      rLast = k;
    }
    if (c.current[k]! > 0) {
      if (cFirst < 0) cFirst = k;
      cLast = k;
    }
  }
  return cFirst > rLast || cLast < rFirst;
}

function wasserstein(c: CommonCells): number {
  if (c.explicit !== undefined)
    return wassersteinOfPieces(
      explicitPieces(c.explicit.reference, REF_CDF),
      explicitPieces(c.explicit.current, CUR_CDF),
    );
  return wassersteinOfCells(c);
}

/**
 * Compares a numeric feature's current histogram with its reference histogram, each explicit
 * or exponential:
 *
 * - Resolution: both are brought to their finest common resolution (common-resolution.ts):
 *   exponential histograms to the lower of their scales (exact), explicit ones with the same
 *   boundaries as they are. Mixed inputs: the exponential side is written on its own bucket
 *   edges (exact) and re-binned onto the explicit side's boundaries by spreading each bucket
 *   uniformly (its buckets are normally the finer ones); when that is refused, the explicit
 *   side onto the exponential edges. Two explicit layouts: the current onto the reference's
 *   boundaries, else the other way. `resolution.note` says what was re-binned.
 * - KS on the common cells: exact at every cell end, refined with each side's min/max, so it
 *   never exceeds the raw-data statistic (ksOfCells; p-value conservative).
 * - Wasserstein-1: both CDFs linear inside the cells; exponential cells clamped to each side's
 *   min/max, with the expected within-cell sampling term (wassersteinOfCells); explicit buckets
 *   as wassersteinDistance (open ends continuing their neighbour's density).
 * - Binned statistics (PSI, KL, JS distance, Hellinger, chi-square) on quantile bins of the
 *   reference (quantile-bins.ts: the given decile edges, else the reference histogram's own
 *   quantiles), with each bin's shares for reports, and critical values at alpha.
 * - Resolution verdict: when all reference values lie in one cell (a constant feature, coarse
 *   buckets holding everything, zero only) or its quantiles give one bin, status
 *   'insufficient_resolution' with the reason; the binned statistics are null and the feature's
 *   test is KS (decideDrift then answers drift or insufficient_resolution, never no_drift).
 * - Empty side: status 'insufficient_data', every statistic null.
 * Counts may be huge or fractional (cumulative and re-binned histograms). Malformed histograms
 * or options throw a StatisticsInputError.
 */
export function compareNumeric(
  reference: NumericHistogram,
  current: NumericHistogram,
  opts: CompareNumericOptions = {},
): NumericComparison {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  checkProbability(alpha, 'alpha');
  const bins = opts.bins ?? 10;
  if (!(Number.isInteger(bins) && bins >= 2))
    throw new StatisticsInputError(`bins must be an integer >= 2, got ${bins}`);
  if (opts.decileEdges !== undefined) checkBoundaries(opts.decileEdges, 'decile edges');
  for (const [h, what] of [
    [reference, 'reference'],
    [current, 'current'],
  ] as const) {
    if (!(h.count >= 0) || !Number.isFinite(h.count))
      throw new StatisticsInputError(`${what} histogram: count is negative or not finite (${h.count})`);
  }
  const n = reference.count;
  const m = current.count;
  const common = commonResolutionScratch(reference, current);
  if (n === 0 || m === 0)
    return empty(
      n,
      m,
      'insufficient_data',
      n === 0 ? 'the reference has no values' : 'no values in the current window',
    );
  if (!common.ok) return empty(n, m, 'insufficient_resolution', common.reason);
  const c = common.cells;
  const resolution: ComparisonResolution = { kind: c.kind, scale: c.scale, cells: c.cells, note: c.note };
  const ks = ksOfCells(c);
  const w1 = wasserstein(c);
  const completeShift = rangesApart(c);
  let reason = oneCellReason(c);
  let cut = null;
  if (reason === null) {
    cut = quantileBins(c, opts.decileEdges, bins);
    if (cut.reference.filter((x) => x > 0).length < 2) {
      reason = `the reference's quantiles give a single bin (its values are nearly all in one bucket of the common resolution)`;
      cut = null;
    }
  }
  if (cut === null) {
    return {
      status: 'insufficient_resolution',
      reason,
      referenceCount: n,
      currentCount: m,
      resolution,
      ks,
      wasserstein: w1,
      binned: null,
      bins: [],
      referenceBinCounts: [],
      currentBinCounts: [],
      binEdges: null,
      critical: criticalValues({ referenceCount: n, currentCount: m, bins: 1, alpha }),
      test: 'ks',
      pValue: ks.pValue,
      completeShift,
    };
  }
  const binned = binnedDrift(cut.reference, cut.current, opts.epsilon !== undefined ? { epsilon: opts.epsilon } : {});
  let nonEmpty = 0;
  const shares: NumericBin[] = [];
  for (let j = 0; j < cut.reference.length; j++) {
    if (cut.reference[j]! + cut.current[j]! > 0) nonEmpty++;
    shares.push({
      lower: j > 0 ? cut.edges[j - 1]! : null,
      upper: j < cut.edges.length ? cut.edges[j]! : null,
      reference: cut.reference[j]! / n,
      current: cut.current[j]! / m,
    });
  }
  return {
    status: 'ok',
    reason: null,
    referenceCount: n,
    currentCount: m,
    resolution,
    ks,
    wasserstein: w1,
    binned,
    bins: shares,
    referenceBinCounts: cut.reference,
    currentBinCounts: cut.current,
    binEdges: cut.source,
    critical: criticalValues({ referenceCount: n, currentCount: m, bins: nonEmpty, alpha }),
    test: 'chi_square',
    pValue: binned.chiSquare.pValue,
    completeShift,
  };
}

/**
 * The evidence of a comparison that `decideDrift` (decide.ts) needs besides the p-value and the binned
 * effect sizes: why the bins could not be cut (then the KS fallback decides), the KS statistic
 * on the finest common buckets, and whether the ranges do not overlap at all.
 */
export function fallbackEvidence(cmp: NumericComparison): {
  readonly insufficientResolution: string | null;
  readonly ks: number | null;
  readonly completeShift: boolean;
} {
  return {
    insufficientResolution: cmp.status === 'insufficient_resolution' ? cmp.reason : null,
    ks: cmp.ks?.statistic ?? null,
    completeShift: cmp.completeShift,
  };
}
