/**
 * Drift per slice: the features and the score of every value of each allow-listed slice key
 * (`ml.slice.<key>`) compared with the same slice of the reference, with
 *
 * - one Benjamini-Hochberg family per slice key over every (slice value, feature or score) test
 *   of the slices with enough rows (the same correction as across a window's features, wider);
 * - a minimum of rows per slice on both sides (`minRows`): below it the slice's verdicts are
 *   `insufficient_data` with the reason, never `no_drift`;
 * - a ranking of "where it moved": each slice's share of the overall total variation movement
 *   (statistics/slice-contribution.ts) on the overall comparison's bins, summed over the
 *   distributions that drifted overall or in a slice of that key.
 *
 * The statistics and the decision rule are the window's own (passed in by evaluate.ts as an
 * engine, so there is one implementation of each).
 */
import {
  combineMovements,
  isExponentialHistogram,
  rebinExplicit,
  rebinExponential,
  sliceMovements,
  StatisticsInputError,
  type NumericHistogram,
  type SliceBins,
  type SliceMovements,
} from '../statistics/index.js';
import { benjaminiHochberg } from '../statistics/index.js';
import type {
  DistributionReport,
  SliceDriftReport,
  SliceKeyDrift,
  SliceSignalDrift,
  SliceDriftValue,
} from './report-types.js';
import { numericPair } from './numeric-pair.js';
import { emptySnapshot, type FeatureWindow, type WindowSnapshot } from '../windows/snapshot.js';

/** Defaults of per-slice drift (this module owns them). */
export const SLICE_DRIFT_DEFAULTS = {
  /** Rows a slice needs in the current window and in the reference for its verdicts. */
  minRows: 100,
} as const;

/** The name the score has among a slice's distributions. */
export const SCORE_SIGNAL = 'score';

/** The window's comparison and decision, as evaluate.ts runs them (one implementation). */
export interface DistributionEngine<P> {
  feature(
    name: string,
    ref: FeatureWindow | undefined,
    cur: FeatureWindow | undefined,
    refRows: number,
    curRows: number,
  ): P;
  score(ref: NumericHistogram, cur: NumericHistogram): P;
  pValue(p: P): number | null;
  /** Decides with the adjusted p-value; `enough` false makes it insufficient_data. */
  decide(p: P, adjusted: number | null, enough: boolean, minRows: number): DistributionReport;
}

export interface SliceDriftOptions {
  readonly minRows?: number;
  readonly alpha: number;
}

/** Spread a wide source bucket over the overall bins rather than refuse (a contribution, not a test). */
const SPREAD = { maxTargetBucketsPerSource: Number.POSITIVE_INFINITY } as const;

const byName = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number =>
  a < b ? -1 : a > b ? 1 : 0;

function brief(r: DistributionReport): SliceSignalDrift {
  return {
    verdict: r.drift.verdict,
    pValue: r.drift.pValue,
    adjustedPValue: r.drift.adjustedPValue,
    psi: r.psi,
    jensenShannon: r.jensenShannon,
    count: r.count,
    referenceCount: r.referenceCount,
    reasons: r.drift.reasons,
  };
}

/** Counts of a numeric histogram on the overall bins (interior edges), or null when it cannot be re-binned. */
function countsOn(h: NumericHistogram, edges: readonly number[]): number[] | null {
  if (h.count <= 0) return new Array<number>(edges.length + 1).fill(0);
  try {
    const r = isExponentialHistogram(h) ? rebinExponential(h, edges, SPREAD) : rebinExplicit(h, edges, SPREAD);
    return r.ok ? [...r.histogram.counts] : null;
  } catch (err) {
    if (err instanceof StatisticsInputError) return null;
    throw err;
  }
}

/** The slice's reference and current counts on the overall report's bins; null when not comparable. */
function binsOf(
  overall: DistributionReport,
  ref: FeatureWindow | undefined,
  cur: FeatureWindow | undefined,
  score: { ref?: NumericHistogram; cur?: NumericHistogram } | null,
): { reference: number[]; current: number[] } | null {
  if (overall.bins.length < 2) return null;
  if (overall.type === 'categorical' && score === null) {
    const labels = overall.bins.map((b) => b.label);
    return {
      reference: labels.map((l) => ref?.categories?.[l] ?? 0),
      current: labels.map((l) => cur?.categories?.[l] ?? 0),
    };
  }
  const edges = overall.bins.slice(0, -1).map((b) => b.upper!);
  if (edges.some((e) => e === null || !Number.isFinite(e))) return null;
  let rh: NumericHistogram | undefined;
  let ch: NumericHistogram | undefined;
  if (score !== null) {
    rh = score.ref;
    ch = score.cur;
  } else {
    const pair = numericPair(ref, cur);
    rh = pair?.reference;
    ch = pair?.current;
  }
  const reference = rh === undefined ? new Array<number>(edges.length + 1).fill(0) : countsOn(rh, edges);
  const current = ch === undefined ? new Array<number>(edges.length + 1).fill(0) : countsOn(ch, edges);
  return reference === null || current === null ? null : { reference, current };
}

function rowsReason(
  key: string,
  value: string,
  curRows: number,
  refRows: number,
  referenceHasSlices: boolean,
  minRows: number,
): string | null {
  if (!referenceHasSlices)
    return `the reference has no per-slice data for ${key} (a baseline file, or a reference from before slices were recorded)`;
  if (curRows < minRows) return `${curRows} rows of ${key}=${value} in the window, fewer than ${minRows}`;
  if (refRows < minRows) return `${refRows} rows of ${key}=${value} in the reference, fewer than ${minRows}`;
  return null;
}

/**
 * Per-slice drift of every slice key of the current window (module comment); null when the
 * window carries no slices with feature values or scores.
 */
export function sliceDriftReport<P>(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  overall: {
    readonly features: Readonly<Record<string, DistributionReport>>;
    readonly score: DistributionReport | null;
  },
  engine: DistributionEngine<P>,
  opts: SliceDriftOptions,
): SliceDriftReport | null {
  const minRows = opts.minRows ?? SLICE_DRIFT_DEFAULTS.minRows;
  const keys: Record<string, SliceKeyDrift> = {};
  for (const [key, byValue] of Object.entries(current.slices ?? {}).sort(byName)) {
    const refByValue = reference.slices?.[key];
    if (!Object.values(byValue).some((s) => Object.keys(s.features).length > 0 || s.score !== undefined)) continue;
    // slices of the reference absent from the window take part too (0 rows: insufficient_data; their traffic moved away)
    const values: [string, WindowSnapshot][] = Object.entries(byValue);
    for (const [value, r] of Object.entries(refByValue ?? {}))
      if (byValue[value] === undefined)
        values.push([
          value,
          { ...emptySnapshot(current.modelKey, current.model, current.start, current.end), task: r.task },
        ]);
    values.sort(byName);
    const referenceHasSlices = refByValue !== undefined && Object.keys(refByValue).length > 0;
    // 1. every slice's tests, then one BH family over the slices with enough rows
    const rows: {
      value: string;
      cur: WindowSnapshot;
      ref: WindowSnapshot | undefined;
      reason: string | null;
      tests: [string, P][];
    }[] = [];
    for (const [value, cur] of values) {
      const ref = refByValue?.[value];
      const reason = rowsReason(key, value, cur.rows, ref?.rows ?? 0, referenceHasSlices, minRows);
      const names = [...new Set([...Object.keys(ref?.features ?? {}), ...Object.keys(cur.features)])]
        .filter((n) => overall.features[n] !== undefined)
        .sort();
      const tests: [string, P][] = names.map((n) => [
        n,
        engine.feature(n, ref?.features[n], cur.features[n], ref?.rows ?? 0, cur.rows),
      ]);
      if (overall.score !== null && cur.score !== undefined) {
        // a slice without scores in the reference is compared with an empty one: insufficient_data with the reason
        const refScore = ref?.score ?? {
          boundaries: cur.score.boundaries,
          counts: cur.score.counts.map(() => 0),
          count: 0,
          sum: 0,
        };
        tests.push([SCORE_SIGNAL, engine.score(refScore, cur.score)]);
      }
      rows.push({ value, cur, ref, reason, tests });
    }
    const family: { row: number; test: number; p: number }[] = [];
    rows.forEach((r, i) => {
      if (r.reason !== null) return;
      r.tests.forEach(([, t], j) => {
        const p = engine.pValue(t);
        if (p !== null && Number.isFinite(p)) family.push({ row: i, test: j, p });
      });
    });
    const adjusted = benjaminiHochberg(family.map((f) => f.p));
    const adjustedOf = new Map(family.map((f, i) => [`${f.row}\u0000${f.test}`, adjusted[i]!] as const));
    const decided = rows.map((r, i) => {
      const out: Record<string, DistributionReport> = {};
      r.tests.forEach(([name, t], j) => {
        out[name] = engine.decide(t, adjustedOf.get(`${i}\u0000${j}`) ?? null, r.reason === null, minRows);
      });
      return out;
    });
    // 2. where it moved: the distributions that drifted overall or in a slice of this key
    const basis = new Set<string>();
    for (const [n, f] of Object.entries(overall.features)) if (f.drift.verdict === 'drift') basis.add(n);
    if (overall.score?.drift.verdict === 'drift') basis.add(SCORE_SIGNAL);
    for (const d of decided) for (const [n, r] of Object.entries(d)) if (r.drift.verdict === 'drift') basis.add(n);
    const movements: SliceMovements[] = [];
    const unranked: string[] = [];
    for (const n of [...basis].sort()) {
      const o = n === SCORE_SIGNAL ? overall.score : overall.features[n];
      if (!o) continue;
      const per: SliceBins[] = [];
      let ok = true;
      for (const r of rows) {
        const b =
          n === SCORE_SIGNAL
            ? binsOf(o, undefined, undefined, {
                ...(r.ref?.score ? { ref: r.ref.score } : {}),
                ...(r.cur.score ? { cur: r.cur.score } : {}),
              })
            : binsOf(o, r.ref?.features[n], r.cur.features[n], null);
        if (b === null) {
          ok = false;
          break;
        }
        per.push({ slice: r.value, ...b });
      }
      if (ok) movements.push(sliceMovements(per));
      else unranked.push(n);
    }
    const shares = new Map(combineMovements(movements).map((c) => [c.slice, c.share] as const));
    const slices: SliceDriftValue[] = rows.map((r, i) => {
      const d = decided[i]!;
      const features: Record<string, SliceSignalDrift> = {};
      let score: SliceSignalDrift | null = null;
      for (const [n, rep] of Object.entries(d)) {
        if (n === SCORE_SIGNAL) score = brief(rep);
        else features[n] = brief(rep);
      }
      return {
        slice: r.value,
        count: r.cur.rows,
        referenceCount: r.ref?.rows ?? 0,
        status: r.reason === null ? 'ok' : 'insufficient_data',
        reason: r.reason,
        features,
        score,
        drifted: Object.entries(d)
          .filter(([, rep]) => rep.drift.verdict === 'drift')
          .sort(([, a], [, b]) => (b.psi ?? 0) - (a.psi ?? 0))
          .map(([n]) => n),
        share: movements.length > 0 ? (shares.get(r.value) ?? null) : null,
      };
    });
    if (movements.length > 0)
      slices.sort((a, b) => (b.share ?? -Infinity) - (a.share ?? -Infinity) || (a.slice < b.slice ? -1 : 1));
    const top = movements.length > 0 ? slices[0] : undefined;
    keys[key] = {
      slices,
      tested: family.length,
      basis: movements.length > 0 ? [...basis].filter((n) => !unranked.includes(n)).sort() : [],
      unranked,
      located: top !== undefined && (top.share ?? 0) > 0 ? top.slice : null,
    };
  }
  if (Object.keys(keys).length === 0) return null;
  const located = Object.entries(keys)
    .filter(([, k]) => k.located !== null)
    .map(([key, k]) => {
      const s = k.slices[0]!;
      return { key, slice: s.slice, share: s.share!, drifted: s.drifted };
    })
    .sort((a, b) => b.share - a.share || (a.key < b.key ? -1 : 1));
  return { minRows, alpha: opts.alpha, keys, located };
}
