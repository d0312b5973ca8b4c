/**
 * A model's distributions in one place, whatever they came from: a baseline file, a live
 * window's slots (OTLP deltas), or the instrumentation's aggregator fed offline from CSV rows.
 * The evaluator compares two views; building both the same way is what makes offline and live
 * numbers identical.
 */
import type { BaselineFile, ExplicitHistogram, ModelTask } from '@otel-ml/conventions';
import type { AggregationSnapshot } from '@otel-ml/instrumentation';
import { addToHistogram, counterSlot, histogramSlot, type Slot } from '../windows/accumulator.js';
import { SIGNALS, slotOf } from '../streams/signals.js';

export interface NumericFeatureView {
  readonly type: 'numeric';
  /** Histogram on the finest boundaries available (the baseline's for live data). */
  readonly histogram: ExplicitHistogram;
  readonly missing: number;
}

export interface CategoricalFeatureView {
  readonly type: 'categorical';
  readonly counts: Readonly<Record<string, number>>;
  readonly missing: number;
}

/** A feature with no observed value in this view (only missing counts). */
export interface MissingOnlyFeatureView {
  readonly type: 'unknown';
  readonly missing: number;
}

export type FeatureView = NumericFeatureView | CategoricalFeatureView | MissingOnlyFeatureView;

export interface OutcomeView {
  /** Score histograms of predictions with a known label, keyed by label ('0'/'1' for binary). */
  readonly scoreByLabel: Readonly<Record<string, ExplicitHistogram>>;
  /** predicted class -> true label -> count. */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Regression errors; MAE = absErrorSum / count, RMSE = sqrt(squaredErrorSum / count). */
  readonly regression?: { readonly count: number; readonly absErrorSum: number; readonly squaredErrorSum: number };
}

export interface DistributionView {
  readonly task?: ModelTask;
  /** Rows predicted (successful predictions). */
  readonly rows: number;
  readonly features: ReadonlyMap<string, FeatureView>;
  /** Binary classification / ranking score histogram. */
  readonly score?: ExplicitHistogram;
  /** Predicted-class counts. */
  readonly classes?: Readonly<Record<string, number>>;
  /** Regression prediction histogram. */
  readonly value?: ExplicitHistogram;
  readonly outcomes: OutcomeView;
  /** Inference latency histogram (seconds), when reported. */
  readonly latency?: ExplicitHistogram;
  /** Failed predictions (ml.predictions with error.type). */
  readonly errors: number;
}

function toHistogram(s: Extract<Slot, { kind: 'histogram' }>): ExplicitHistogram {
  return { boundaries: [...s.bounds], counts: Array.from(s.counts), count: s.count, sum: s.sum, min: s.min, max: s.max };
}

/** Builds a view from a window's slots (see `streams/signals.ts` for the slot model). */
export function viewFromSlots(slots: Iterable<Slot>, task?: ModelTask): DistributionView {
  const numeric = new Map<string, ExplicitHistogram>();
  const categorical = new Map<string, Record<string, number>>();
  const missing = new Map<string, number>();
  const classes: Record<string, number> = {};
  const scoreByLabel: Record<string, ExplicitHistogram> = {};
  const confusion: Record<string, Record<string, number>> = {};
  let rows = 0;
  let errors = 0;
  let score: ExplicitHistogram | undefined;
  let value: ExplicitHistogram | undefined;
  let latency: ExplicitHistogram | undefined;
  let absErr: ExplicitHistogram | undefined;
  let sqErr: ExplicitHistogram | undefined;
  let sawClasses = false;
  for (const s of slots) {
    const { signal, subject, dims } = s.id;
    if (s.kind === 'counter') {
      switch (signal) {
        case 'predictions':
          if (dims[1]) {
            errors += s.value;
          } else {
            rows += s.value;
            if (dims[0]) {
              sawClasses = true;
              classes[dims[0]] = (classes[dims[0]] ?? 0) + s.value;
            }
          }
          break;
        case 'feature.missing':
          missing.set(subject, (missing.get(subject) ?? 0) + s.value);
          break;
        case 'feature.category': {
          const c = categorical.get(subject) ?? {};
          c[dims[0]!] = (c[dims[0]!] ?? 0) + s.value;
          categorical.set(subject, c);
          break;
        }
        case 'outcomes': {
          const row = (confusion[dims[0]!] ??= {});
          row[dims[1]!] = (row[dims[1]!] ?? 0) + s.value;
          break;
        }
        default:
          break;
      }
      continue;
    }
    const h = toHistogram(s);
    switch (signal) {
      case 'feature.value':
        numeric.set(subject, h);
        break;
      case 'prediction.score':
        // Multiclass per-class scores (dims[0] = class) are not part of the binary score view.
        if (!dims[0]) score = h;
        break;
      case 'prediction.value':
        value = h;
        break;
      case 'outcome.score':
        if (!dims[1]) scoreByLabel[dims[0]!] = h;
        break;
      case 'outcome.error.absolute':
        absErr = h;
        break;
      case 'outcome.error.squared':
        sqErr = h;
        break;
      case 'inference.duration':
        if (!dims[1] && (dims[0] === '' || dims[0] === 'predict')) latency = latency ? mergeSame(latency, h) : h;
        break;
      default:
        break;
    }
  }
  const features = new Map<string, FeatureView>();
  const names = new Set([...numeric.keys(), ...categorical.keys(), ...missing.keys()]);
  for (const name of [...names].sort()) {
    const m = missing.get(name) ?? 0;
    const h = numeric.get(name);
    const c = categorical.get(name);
    features.set(name, h ? { type: 'numeric', histogram: h, missing: m } : c ? { type: 'categorical', counts: c, missing: m } : { type: 'unknown', missing: m });
  }
  const regression = absErr && sqErr ? { count: absErr.count, absErrorSum: absErr.sum, squaredErrorSum: sqErr.sum } : undefined;
  return {
    task,
    rows,
    features,
    score,
    classes: sawClasses ? classes : undefined,
    value,
    outcomes: { scoreByLabel, confusion, regression },
    latency,
    errors,
  };
}

function mergeSame(a: ExplicitHistogram, b: ExplicitHistogram): ExplicitHistogram {
  if (a.boundaries.length !== b.boundaries.length) return a.count >= b.count ? a : b;
  return { boundaries: a.boundaries, counts: a.counts.map((c, i) => c + b.counts[i]!), count: a.count + b.count, sum: a.sum + b.sum };
}

/**
 * Turns an aggregator snapshot (the instrumentation's plain-data export) into slots through the
 * same signal mapping the live path uses for OTLP points, so offline and live share one path.
 */
export function slotsFromSnapshot(snapshot: AggregationSnapshot, role = 'primary'): Slot[] {
  const slots = new Map<string, Slot>();
  for (const metric of Object.values(snapshot.metrics)) {
    const spec = SIGNALS.get(metric.name);
    if (!spec) continue;
    for (const p of metric.points) {
      const pointRole = typeof p.attributes['ml.deployment.role'] === 'string' ? p.attributes['ml.deployment.role'] : 'primary';
      if (pointRole !== role) continue;
      const at = slotOf(spec, p.attributes);
      if ('missing' in at) continue;
      if (metric.kind === 'sum') {
        const existing = slots.get(at.key);
        const slot = existing?.kind === 'counter' ? existing : counterSlot(at.key, at.id);
        slot.value += (p as { value: number }).value;
        slots.set(at.key, slot);
      } else {
        const h = (p as { histogram: ExplicitHistogram }).histogram;
        const existing = slots.get(at.key);
        const slot = existing?.kind === 'histogram' ? existing : histogramSlot(at.key, at.id, h.boundaries);
        addToHistogram(slot, { count: h.count, sum: h.sum, counts: h.counts, min: h.min, max: h.max });
        slots.set(at.key, slot);
      }
    }
  }
  return [...slots.values()];
}

/** The reference view held by a baseline file. */
export function viewFromBaseline(b: BaselineFile): DistributionView {
  const features = new Map<string, FeatureView>();
  for (const [name, f] of Object.entries(b.features)) {
    features.set(name, f.type === 'numeric' ? { type: 'numeric', histogram: f.histogram, missing: f.missing } : { type: 'categorical', counts: f.counts, missing: f.missing });
  }
  return {
    task: b.model.task,
    rows: b.source.rows,
    features,
    score: b.prediction?.score,
    classes: b.prediction?.classes,
    value: b.prediction?.value,
    outcomes: {
      scoreByLabel: b.outcomes?.scoreByLabel ?? {},
      confusion: b.outcomes?.confusion ?? {},
      regression: b.outcomes?.regression,
    },
    errors: 0,
  };
}
