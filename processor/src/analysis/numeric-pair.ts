/**
 * Which histograms of a numeric feature a window is compared on: like with like.
 *
 * A window's feature may hold an exponential histogram (the instrumentation's default), an
 * explicit one (features declared with boundaries, older instrumentation versions), or both on
 * different values (an old service version beside a new one); so may a reference made of
 * windows. A baseline reference holds one: its high-resolution exponential histogram (version 2)
 * or its quantile-bucket one (version 1). The rule:
 *
 * - the current window holds one kind: it is compared with the reference's histogram of the same
 *   kind, or, when the reference has only the other kind, with that one;
 * - the current window holds both: its exponential part is re-binned onto the boundaries of its
 *   explicit part and added to it (the exponential buckets are the narrower ones: at the scales a
 *   feature reaches with 320 buckets, a bucket spans at most a few percent of its value, so the
 *   re-binning moves little mass across an explicit edge), and the sum is compared as an explicit
 *   histogram; the note says so.
 */
import { isExponentialHistogram, rebinExponential, type NumericHistogram } from '../statistics/index.js';
import type { FeatureWindow } from '../windows/snapshot.js';
import { mergeHist } from '../windows/snapshot.js';

/**
 * An exponential bucket wider than several explicit ones (a 320-bucket histogram of a feature
 * spanning many octaves against old explicit buckets) is spread uniformly over them rather than
 * refused: the comparison is then approximate there, and the note gives the share.
 */
const SPREAD = { maxTargetBucketsPerSource: Number.POSITIVE_INFINITY } as const;

export interface NumericPair {
  readonly reference: NumericHistogram;
  readonly current: NumericHistogram;
  /** How a window holding both kinds was combined, else null. */
  readonly note: string | null;
}

function emptyLike(h: NumericHistogram): NumericHistogram {
  if (isExponentialHistogram(h))
    return {
      scale: h.scale,
      zeroCount: 0,
      zeroThreshold: h.zeroThreshold ?? 0,
      positive: { offset: 0, bucketCounts: [] },
      negative: { offset: 0, bucketCounts: [] },
      count: 0,
      sum: 0,
    };
  return { boundaries: h.boundaries, counts: h.counts.map(() => 0), count: 0, sum: 0 };
}

/**
 * The current window's numeric histogram: one kind as it is, or both combined onto the explicit
 * boundaries (see the module doc). Undefined when it has neither.
 */
function currentOf(cur: FeatureWindow | undefined): { histogram: NumericHistogram; note: string | null } | undefined {
  const x = cur?.histogram;
  const e = cur?.exponential;
  if (x === undefined) return e === undefined ? undefined : { histogram: e, note: null };
  if (e === undefined || e.count === 0) return { histogram: x, note: null };
  if (x.count === 0) return { histogram: e, note: null };
  const r = rebinExponential(e, x.boundaries, SPREAD);
  if (!r.ok)
    return {
      histogram: e,
      note: `explicit points left out (their exponential part could not be re-binned onto them: ${r.reason})`,
    };
  const share = e.count / (e.count + x.count);
  return {
    histogram: mergeHist(x, r.histogram),
    note: `${(100 * share).toFixed(1)}% of the values came as exponential histograms and were re-binned onto the explicit boundaries of the rest`,
  };
}

/**
 * The pair to compare for one numeric feature (see the module doc), or undefined when the
 * reference has no numeric histogram.
 */
export function numericPair(ref: FeatureWindow | undefined, cur: FeatureWindow | undefined): NumericPair | undefined {
  const rx = ref?.histogram;
  const re = ref?.exponential;
  if (rx === undefined && re === undefined) return undefined;
  const c = currentOf(cur);
  if (c === undefined) {
    const reference = re ?? rx!;
    return { reference, current: emptyLike(reference), note: null };
  }
  const reference = isExponentialHistogram(c.histogram) ? (re ?? rx!) : (rx ?? re!);
  return { reference, current: c.histogram, note: c.note };
}
