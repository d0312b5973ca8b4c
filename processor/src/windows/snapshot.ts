/**
 * `WindowSnapshot`: the plain, JSON-serialisable view of one closed window (or of a reference)
 * that the evaluator compares. Built from a window's slots ({@link snapshotOf}), from a baseline
 * file ({@link baselineSnapshot}) or by merging snapshots ({@link mergeSnapshots}).
 */
import type { BaselineFile, ExplicitHistogram, ExponentialHistogram } from '@otel-ml/conventions';
import type { ModelIdentity } from '../model/signals.js';
import type { HistogramSlot, OpenWindow, Slot } from './accumulator.js';
import { boundsEqual, mergeExponentialSlots } from './accumulator.js';

export interface FeatureWindow {
  /** Numeric feature values (ml.feature.value) from explicit-bucket points; a baseline's quantile-bucket histogram. */
  histogram?: ExplicitHistogram;
  /**
   * Numeric feature values from base-2 exponential histogram points (the instrumentation's
   * default), merged at their common scale; a version-2 baseline's high-resolution histogram
   * (its reference then has this one only). A window whose senders mix both kinds has both, on
   * different values (see `analysis/numeric-pair.ts` for which is compared).
   */
  exponential?: ExponentialHistogram;
  /** Categorical counts (ml.feature.category.count), by category. */
  categories?: Record<string, number>;
  /** Rows where the feature was missing (ml.feature.missing). */
  missing: number;
  /** Absolute attributions (ml.feature.attribution). */
  attribution?: ExplicitHistogram;
  /** Values of the wrong type (ml.feature.invalid; also in `missing`). */
  invalid?: number;
  /** The most frequent values outside the sender's known categories (ml.feature.category.unseen), by value. */
  unseen?: Record<string, number>;
}

export interface WindowSnapshot {
  readonly modelKey: string;
  readonly model: ModelIdentity;
  /** ml.model.task as reported by the points or the baseline ('' when unknown). */
  readonly task: string;
  /** Window start and end (processor wall clock, ms since epoch); [start, end). */
  readonly start: number;
  readonly end: number;
  /**
   * Rows in the window: the ml.predictions total without error.type; when no ml.predictions was
   * received, the largest per-feature total (values + missing).
   */
  readonly rows: number;
  /** Times the window was extended because it had fewer than `minRows` rows. */
  readonly extensions: number;
  /** True when the window closed (at the maximum extension) still short of `minRows`. */
  readonly belowMinRows: boolean;
  /**
   * Why the window lacks part of its data, when it does (`OpenWindow.partial`, docs/scale-out.md):
   * 'joined' (a cumulative stream first seen in it after its start: a restart, or a model routed
   * here from another instance), 'resumed' (a stream seen again after the handoff gap), 'left'
   * (the model's last point came more than the handoff gap before the window's end: it was routed
   * away, or stopped). Its rows are a true part of the period, never counted twice.
   */
  partial?: readonly string[];
  readonly features: Record<string, FeatureWindow>;
  readonly predictions: {
    /** Successful predicted rows (ml.predictions without error.type). */
    rows: number;
    /** Predicted rows by ml.prediction.class (only for points that carry the class). */
    byClass: Record<string, number>;
    /** Failed rows by error.type. */
    errors: Record<string, number>;
  };
  /** ml.prediction.score without class (binary: positive-class probability). */
  score?: ExplicitHistogram;
  /** ml.prediction.score by ml.prediction.class (multiclass). */
  readonly scoreByClass: Record<string, ExplicitHistogram>;
  /** ml.prediction.value (regression output). */
  value?: ExplicitHistogram;
  readonly outcomes: {
    /** ml.outcome.score by ml.outcome.label (binary: the positive-class score). */
    scoreByLabel: Record<string, ExplicitHistogram>;
    /** Multiclass ml.outcome.score: class the score belongs to → true label → histogram. */
    scoreByClassAndLabel: Record<string, Record<string, ExplicitHistogram>>;
    /** All matched outcomes (ml.outcomes), with or without class and label. */
    matched: number;
    /** ml.outcomes with a label: predicted class ('' when none) → true label → count. */
    confusion: Record<string, Record<string, number>>;
    /** Signed error y_pred − y_true. */
    error?: ExplicitHistogram;
    /** |error|: sum/count is the MAE. */
    absoluteError?: ExplicitHistogram;
    /** error²: sqrt(sum/count) is the RMSE. */
    squaredError?: ExplicitHistogram;
    delay?: ExplicitHistogram;
    unmatched: Record<string, number>;
  };
  /** ml.inference.duration by ml.operation.name ('' when absent), all outcomes. */
  readonly inferenceDuration: Record<string, ExplicitHistogram>;
  /** ml.shadow.agreement by ml.shadow.result. */
  readonly shadow: Record<string, number>;
  /** ml.business.value by ml.business.metric. */
  readonly business: Record<string, ExplicitHistogram>;
  /**
   * Random projections of the standardized numeric features (ml.feature.projection): basis
   * (`ml.feature.projection.basis`) → projection index → histogram. Absent when none arrived.
   */
  readonly projections?: Record<string, Record<string, ExplicitHistogram>>;
  /** Rows with an undeclared feature name, by name (ml.feature.unknown; absent in older state). */
  readonly unknownFeatures?: Record<string, number>;
  /**
   * Senders with differential privacy on: the variance of the noise in each bucket and counter
   * of the window (ml.privacy.noise.variance; absent without noise). See windows/noisy.ts.
   */
  readonly noiseVariance?: number;
  /**
   * The same window per slice: slice key (the `<key>` of `ml.slice.<key>`) → slice value → the
   * slice's predictions, scores, outcomes and feature values (signals of `SLICED_SIGNALS`; no
   * nested slices).
   */
  readonly slices: Record<string, Record<string, WindowSnapshot>>;
}

/** Outcome histograms: signal → field of `WindowSnapshot.outcomes`. */
const OUTCOME_HISTOGRAMS = {
  'outcome.error': 'error',
  'outcome.error.absolute': 'absoluteError',
  'outcome.error.squared': 'squaredError',
  'outcome.delay': 'delay',
} as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function emptySnapshot(
  modelKey: string,
  model: ModelIdentity,
  start: number,
  end: number,
): Mutable<WindowSnapshot> {
  return {
    modelKey,
    model,
    task: '',
    start,
    end,
    rows: 0,
    extensions: 0,
    belowMinRows: false,
    features: {},
    predictions: { rows: 0, byClass: {}, errors: {} },
    scoreByClass: {},
    outcomes: { scoreByLabel: {}, scoreByClassAndLabel: {}, matched: 0, confusion: {}, unmatched: {} },
    inferenceDuration: {},
    shadow: {},
    business: {},
    slices: {},
  };
}

function histOf(s: HistogramSlot): ExplicitHistogram {
  const h: { -readonly [K in keyof ExplicitHistogram]: ExplicitHistogram[K] } = {
    boundaries: s.bounds.slice(),
    counts: Array.from(s.counts),
    count: s.count,
    sum: s.sum,
  };
  if (s.count > 0 && s.min !== undefined) h.min = s.min;
  if (s.count > 0 && s.max !== undefined) h.max = s.max;
  return h;
}

function feature(snap: WindowSnapshot, name: string): FeatureWindow {
  return (snap.features[name] ??= { missing: 0 });
}

function bump(rec: Record<string, number>, k: string, v: number): void {
  rec[k] = (rec[k] ?? 0) + v;
}

/** Non-missing values of a numeric feature: those of its explicit and of its exponential histogram (different values). */
export function numericValueCount(f: FeatureWindow): number {
  return (f.histogram?.count ?? 0) + (f.exponential?.count ?? 0);
}

/** Rows rule of {@link WindowSnapshot.rows}. */
function rowsOf(s: WindowSnapshot, sawPredictions: boolean): number {
  if (sawPredictions) return s.predictions.rows;
  let rows = 0;
  for (const f of Object.values(s.features)) {
    let n = f.missing + numericValueCount(f);
    if (f.categories) for (const c of Object.values(f.categories)) n += c;
    rows = Math.max(rows, n);
  }
  return rows;
}

/** Builds the snapshot of a window from its slots. `belowMinRows` is set by the caller. */
export function snapshotOf(w: OpenWindow): WindowSnapshot {
  return snapshotOfSlots(w, w.slots.values(), true);
}

function snapshotOfSlots(w: OpenWindow, slots: Iterable<Slot>, top: boolean): Mutable<WindowSnapshot> {
  const snap = emptySnapshot(w.modelKey, w.model, w.start, w.end);
  snap.task = w.task;
  snap.extensions = w.extensions;
  if (top && w.partial !== undefined && w.partial.length > 0) snap.partial = w.partial;
  let sawPredictions = false;
  const sliced = new Map<string, Map<string, Slot[]>>();
  for (const slot of slots) {
    if (slot.id.slice !== undefined) {
      if (!top) continue;
      const { key, value } = slot.id.slice;
      let byValue = sliced.get(key);
      if (byValue === undefined) sliced.set(key, (byValue = new Map()));
      let list = byValue.get(value);
      if (list === undefined) byValue.set(value, (list = []));
      list.push(slot);
      continue;
    }
    const { signal, subject, dims } = slot.id;
    if (slot.kind === 'counter') {
      const v = slot.value;
      switch (signal) {
        case 'feature.missing':
          feature(snap, subject).missing += v;
          break;
        case 'feature.category':
          bump((feature(snap, subject).categories ??= {}), dims[0] ?? '', v);
          break;
        case 'feature.invalid':
          feature(snap, subject).invalid = (feature(snap, subject).invalid ?? 0) + v;
          break;
        case 'feature.unseen':
          bump((feature(snap, subject).unseen ??= {}), dims[0] ?? '', v);
          break;
        case 'feature.unknown':
          bump((snap.unknownFeatures ??= {}), subject, v);
          break;
        case 'predictions': {
          sawPredictions = true;
          const [cls = '', err = ''] = dims;
          if (err !== '') bump(snap.predictions.errors, err, v);
          else {
            snap.predictions.rows += v;
            if (cls !== '') bump(snap.predictions.byClass, cls, v);
          }
          break;
        }
        case 'outcomes': {
          snap.outcomes.matched += v;
          const [cls = '', label = ''] = dims;
          if (label !== '') bump((snap.outcomes.confusion[cls] ??= {}), label, v);
          break;
        }
        case 'outcome.unmatched':
          bump(snap.outcomes.unmatched, dims[0] ?? '', v);
          break;
        case 'shadow.agreement':
          bump(snap.shadow, dims[0] ?? '', v);
          break;
        case 'privacy.noise':
          snap.noiseVariance = (snap.noiseVariance ?? 0) + v;
          break;
        default:
          break;
      }
      continue;
    }
    if (slot.kind === 'exponential') {
      if (signal === 'feature.value')
        feature(snap, subject).exponential = mergeExponentialSlots(
          feature(snap, subject).exponential,
          slot.histogram.histogram(),
        );
      continue;
    }
    const h = histOf(slot);
    switch (signal) {
      case 'feature.value':
        feature(snap, subject).histogram = mergeHist(feature(snap, subject).histogram, h);
        break;
      case 'feature.attribution':
        feature(snap, subject).attribution = mergeHist(feature(snap, subject).attribution, h);
        break;
      case 'feature.projection': {
        const byIndex = ((snap.projections ??= {})[dims[0] ?? ''] ??= {});
        byIndex[subject] = mergeHist(byIndex[subject], h);
        break;
      }
      case 'prediction.score':
        if ((dims[0] ?? '') === '') snap.score = mergeHist(snap.score, h);
        else snap.scoreByClass[dims[0]!] = mergeHist(snap.scoreByClass[dims[0]!], h);
        break;
      case 'prediction.value':
        snap.value = mergeHist(snap.value, h);
        break;
      case 'outcome.score': {
        const [label = '', cls = ''] = dims;
        if (cls === '') snap.outcomes.scoreByLabel[label] = mergeHist(snap.outcomes.scoreByLabel[label], h);
        else {
          const byLabel = (snap.outcomes.scoreByClassAndLabel[cls] ??= {});
          byLabel[label] = mergeHist(byLabel[label], h);
        }
        break;
      }
      case 'outcome.error':
      case 'outcome.error.absolute':
      case 'outcome.error.squared':
      case 'outcome.delay': {
        const field = OUTCOME_HISTOGRAMS[signal];
        snap.outcomes[field] = mergeHist(snap.outcomes[field], h);
        break;
      }
      case 'inference.duration':
        snap.inferenceDuration[dims[0] ?? ''] = mergeHist(snap.inferenceDuration[dims[0] ?? ''], h);
        break;
      case 'business.value':
        snap.business[subject] = mergeHist(snap.business[subject], h);
        break;
      default:
        break;
    }
  }
  snap.rows = rowsOf(snap, sawPredictions);
  for (const [key, byValue] of sliced) {
    const out: Record<string, WindowSnapshot> = (snap.slices[key] = {});
    for (const [value, list] of byValue) out[value] = snapshotOfSlots(w, list.map(unsliced), false);
  }
  return snap;
}

/** A per-slice slot seen as a plain slot (for building the slice's own snapshot). */
function unsliced(s: Slot): Slot {
  const { signal, subject, dims } = s.id;
  return { ...s, id: { signal, subject, dims } };
}

/**
 * Sum of two histograms on equal boundaries. When the boundaries differ (a layout changed between
 * windows, e.g. after a baseline was loaded), the newer histogram `b` wins: mixing layouts would
 * need re-binning, which belongs to the statistics module.
 */
export function mergeHist(a: ExplicitHistogram | undefined, b: ExplicitHistogram): ExplicitHistogram;
export function mergeHist(
  a: ExplicitHistogram | undefined,
  b: ExplicitHistogram | undefined,
): ExplicitHistogram | undefined;
export function mergeHist(
  a: ExplicitHistogram | undefined,
  b: ExplicitHistogram | undefined,
): ExplicitHistogram | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (!boundsEqual(a.boundaries, b.boundaries)) return b;
  const counts = a.counts.map((c, i) => c + b.counts[i]!);
  const out: { -readonly [K in keyof ExplicitHistogram]: ExplicitHistogram[K] } = {
    boundaries: b.boundaries,
    counts,
    count: a.count + b.count,
    sum: a.sum + b.sum,
  };
  if (a.count === 0) {
    if (b.min !== undefined) out.min = b.min;
    if (b.max !== undefined) out.max = b.max;
  } else if (b.count === 0) {
    if (a.min !== undefined) out.min = a.min;
    if (a.max !== undefined) out.max = a.max;
  } else {
    if (a.min !== undefined && b.min !== undefined) out.min = Math.min(a.min, b.min);
    if (a.max !== undefined && b.max !== undefined) out.max = Math.max(a.max, b.max);
  }
  return out;
}

function mergeCounts(a: Record<string, number>, b: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(b)) bump(a, k, v);
}

function mergeHistRecord(a: Record<string, ExplicitHistogram>, b: Readonly<Record<string, ExplicitHistogram>>): void {
  for (const [k, h] of Object.entries(b)) a[k] = mergeHist(a[k], h);
}

/**
 * Merges snapshots of one model, in time order (oldest first), into one: counts add, histograms
 * add (see {@link mergeHist}); start is the first start, end the last end; rows add.
 */
export function mergeSnapshots(snaps: readonly WindowSnapshot[]): WindowSnapshot | undefined {
  if (snaps.length === 0) return undefined;
  const first = snaps[0]!;
  const last = snaps[snaps.length - 1]!;
  const out = emptySnapshot(first.modelKey, last.model, first.start, last.end);
  for (const s of snaps) {
    if (s.task !== '') out.task = s.task;
    out.rows += s.rows;
    out.extensions += s.extensions;
    for (const [name, f] of Object.entries(s.features)) {
      const o = feature(out, name);
      o.missing += f.missing;
      o.histogram = mergeHist(o.histogram, f.histogram);
      const exp = mergeExponentialSlots(o.exponential, f.exponential);
      if (exp !== undefined) o.exponential = exp;
      o.attribution = mergeHist(o.attribution, f.attribution);
      if (f.categories) mergeCounts((o.categories ??= {}), f.categories);
      if (f.invalid) o.invalid = (o.invalid ?? 0) + f.invalid;
      if (f.unseen) mergeCounts((o.unseen ??= {}), f.unseen);
    }
    out.predictions.rows += s.predictions.rows;
    mergeCounts(out.predictions.byClass, s.predictions.byClass);
    mergeCounts(out.predictions.errors, s.predictions.errors);
    out.score = mergeHist(out.score, s.score);
    mergeHistRecord(out.scoreByClass, s.scoreByClass);
    out.value = mergeHist(out.value, s.value);
    mergeHistRecord(out.outcomes.scoreByLabel, s.outcomes.scoreByLabel);
    for (const [cls, byLabel] of Object.entries(s.outcomes.scoreByClassAndLabel ?? {}))
      mergeHistRecord((out.outcomes.scoreByClassAndLabel[cls] ??= {}), byLabel);
    out.outcomes.matched += s.outcomes.matched ?? 0;
    for (const [cls, row] of Object.entries(s.outcomes.confusion))
      mergeCounts((out.outcomes.confusion[cls] ??= {}), row);
    for (const field of Object.values(OUTCOME_HISTOGRAMS))
      out.outcomes[field] = mergeHist(out.outcomes[field], s.outcomes[field]);
    mergeCounts(out.outcomes.unmatched, s.outcomes.unmatched);
    mergeHistRecord(out.inferenceDuration, s.inferenceDuration);
    mergeCounts(out.shadow, s.shadow);
    mergeHistRecord(out.business, s.business);
    if (s.unknownFeatures) mergeCounts((out.unknownFeatures ??= {}), s.unknownFeatures);
    if (s.noiseVariance !== undefined) out.noiseVariance = (out.noiseVariance ?? 0) + s.noiseVariance;
    for (const [basis, byIndex] of Object.entries(s.projections ?? {}))
      mergeHistRecord(((out.projections ??= {})[basis] ??= {}), byIndex);
  }
  // Slices: merge each (key, value) over the snapshots that have it.
  const sliced = new Map<string, Map<string, WindowSnapshot[]>>();
  for (const s of snaps) {
    for (const [key, byValue] of Object.entries(s.slices ?? {})) {
      let m = sliced.get(key);
      if (m === undefined) sliced.set(key, (m = new Map()));
      for (const [value, snap] of Object.entries(byValue)) {
        const list = m.get(value);
        if (list === undefined) m.set(value, [snap]);
        else list.push(snap);
      }
    }
  }
  for (const [key, m] of sliced) {
    const o: Record<string, WindowSnapshot> = (out.slices[key] = {});
    for (const [value, list] of m) o[value] = mergeSnapshots(list)!;
  }
  return out;
}

/**
 * The baseline as a snapshot, so that every reference has one shape. `start`/`end` are 0 and
 * `rows` is the number of source rows. Regression errors become bucket-less histograms (one
 * bucket) carrying the exact count and sums.
 */
export function baselineSnapshot(b: BaselineFile, modelKey: string, model: ModelIdentity): WindowSnapshot {
  const out = emptySnapshot(modelKey, model, 0, 0);
  out.task = b.model.task;
  out.rows = b.source.rows;
  for (const [name, f] of Object.entries(b.features)) {
    // a version-2 baseline's exponential histogram holds the same values as its quantile buckets:
    // the reference is the finer one (a window of explicit points is compared with it through
    // their common resolution; the decile edges reach the statistics apart, see evaluate.ts)
    if (f.type === 'numeric')
      out.features[name] =
        f.exponential !== undefined
          ? { exponential: f.exponential, missing: f.missing }
          : { histogram: f.histogram, missing: f.missing };
    else out.features[name] = { categories: { ...f.counts }, missing: f.missing };
  }
  const p = b.prediction;
  if (p?.score) out.score = p.score;
  if (p?.value) out.value = p.value;
  if (p?.classes) out.predictions.byClass = { ...p.classes };
  out.predictions.rows = b.source.rows;
  const o = b.outcomes;
  if (o?.scoreByLabel) out.outcomes.scoreByLabel = { ...o.scoreByLabel };
  if (o?.confusion) {
    for (const [cls, row] of Object.entries(o.confusion)) {
      out.outcomes.confusion[cls] = { ...row };
      for (const n of Object.values(row)) out.outcomes.matched += n;
    }
  }
  if (o?.regression) {
    const { count, absErrorSum, squaredErrorSum } = o.regression;
    if (!o.confusion) out.outcomes.matched += count;
    out.outcomes.absoluteError = { boundaries: [], counts: [count], count, sum: absErrorSum };
    out.outcomes.squaredError = { boundaries: [], counts: [count], count, sum: squaredErrorSum };
  }
  return out;
}
