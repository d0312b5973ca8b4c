/**
 * Prediction spans into the trace samples: each `predict {model}` span the instrumentation
 * exports (ml.operation.name `predict`) offers its score (ml.prediction.score, on one-row calls)
 * and, with `captureFeatures`, each `ml.features` event offers its feature values
 * (`ml.feature.input.<name>`), to the model's reservoirs (windows/samples.ts). Spans of other
 * operations, or without ml.model.name, are skipped.
 *
 * Bins: once per window and stream, the edges of the drift statistic's bins on the model's
 * reference (the one the evaluation will use): `compareNumeric` of the reference with itself, on
 * the baseline's decile edges when it has them. Without a reference the window is not evaluated,
 * and a stream's values share one bin.
 */
import {
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_FEATURE_INPUT,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_PREDICTION_SCORE,
  EVENT_ML_FEATURES,
  ML_OPERATION_NAME_VALUE_PREDICT,
} from '@otel-ml/conventions';
import type { AttributeValue, Attributes, SpanRecord, TracesExport } from '../otlp/model.js';
import { compareNumeric } from '../statistics/compare-numeric.js';
import type { NumericHistogram } from '../statistics/common-resolution.js';
import {
  SCORE_STREAM,
  featureStream,
  numericBin,
  type SampleReservoirs,
  type WindowSamples,
} from '../windows/samples.js';
import type { WindowSnapshot } from '../windows/snapshot.js';

// module-local copies of the names: read once per span and value, they stay plain constants
const FEATURE_PREFIX = ATTR_ML_FEATURE_INPUT('');
const OPERATION = ATTR_ML_OPERATION_NAME;
const PREDICT = ML_OPERATION_NAME_VALUE_PREDICT;
const MODEL_NAME = ATTR_ML_MODEL_NAME;
const MODEL_VERSION = ATTR_ML_MODEL_VERSION;
const ROLE = ATTR_ML_DEPLOYMENT_ROLE;
const SCORE = ATTR_ML_PREDICTION_SCORE;
const FEATURES_EVENT = EVENT_ML_FEATURES;
/** Feature events read per span at most (the instrumentation writes at most 16). */
const MAX_EVENTS = 16;

/** What the sampler needs from the stream state and the evaluation's choices. */
export interface SampleStreams {
  /** The model key of a span's attributes from this resource (as its metric points get it). */
  modelKeyOf(attributes: Attributes, resource: Attributes): string | undefined;
  /** The reference the model's window will be compared with, when there is one. */
  reference(modelKey: string): WindowSnapshot | undefined;
  /** A baseline's decile edges of a feature, when the model has a baseline. */
  decileEdges?(modelKey: string, feature: string): readonly number[] | undefined;
}

export interface SpanCounts {
  /** Spans received. */
  readonly spans: number;
  /** Prediction spans of a model (the ones sampled). */
  readonly predictionSpans: number;
}

const num = (v: AttributeValue | undefined): number | undefined =>
  typeof v === 'number'
    ? v
    : typeof v === 'bigint'
      ? Number(v)
      : typeof v === 'string' && v.trim() !== ''
        ? Number(v)
        : undefined;
const str = (v: AttributeValue | undefined): string | undefined =>
  typeof v === 'string' ? v : v === undefined || v === null || typeof v === 'object' ? undefined : String(v);

/** The bin edges of a reference histogram: the uppers of its drift bins but the last. */
export function referenceEdges(
  h: NumericHistogram | undefined,
  decileEdges: readonly number[] | undefined,
): readonly number[] | null {
  if (h === undefined || h.count <= 0) return null;
  const bins = compareNumeric(h, h, decileEdges !== undefined ? { decileEdges } : {}).bins;
  if (bins.length < 2) return null;
  return bins.slice(0, -1).map((b) => b.upper!);
}

export class TraceSampler {
  private spans = 0;
  private predictionSpans = 0;
  /** Feature attribute key → its stream and feature name (bounded by the streams a model may have). */
  private readonly featureKeys = new Map<string, { readonly feature: string; readonly stream: string }>();

  constructor(
    private readonly streams: SampleStreams,
    readonly reservoirs: SampleReservoirs,
    private readonly clock: () => number = Date.now,
  ) {}

  consume(exp: TracesExport): void {
    const now = this.clock();
    for (const rs of exp.resourceSpans) {
      // the model key of the last (name, version, role) in this resource: spans of one model come together
      let name: AttributeValue | undefined;
      let version: AttributeValue | undefined;
      let role: AttributeValue | undefined;
      let modelKey: string | undefined;
      let known = false;
      for (const span of rs.spans) {
        this.spans++;
        const a = span.attributes;
        if (a[OPERATION] !== PREDICT) continue;
        if (!known || a[MODEL_NAME] !== name || a[MODEL_VERSION] !== version || a[ROLE] !== role) {
          name = a[MODEL_NAME];
          version = a[MODEL_VERSION];
          role = a[ROLE];
          modelKey = this.streams.modelKeyOf(a, rs.resource.attributes);
          known = true;
        }
        if (modelKey === undefined) continue;
        this.predictionSpans++;
        this.offerSpan(modelKey, span, now);
      }
    }
  }

  /**
   * The edges of a stream in this window: at the window's first span, those of the score and of
   * every feature of the model's reference (the snapshot is not kept); 'categorical' for a
   * feature the reference has categories of only; undefined when unknown.
   */
  private edges(w: WindowSamples, modelKey: string, stream: string): readonly number[] | 'categorical' | undefined {
    if (w.edges.size === 0) {
      const ref = this.streams.reference(modelKey);
      w.edges.set(SCORE_STREAM, referenceEdges(ref?.score, undefined));
      for (const [name, f] of Object.entries(ref?.features ?? {})) {
        const h = f.exponential ?? f.histogram;
        w.edges.set(
          featureStream(name),
          h === undefined
            ? f.categories !== undefined
              ? 'categorical'
              : null
            : referenceEdges(h, this.streams.decileEdges?.(modelKey, name)),
        );
      }
    }
    return w.edges.get(stream) ?? undefined;
  }

  private feature(key: string): { readonly feature: string; readonly stream: string } | undefined {
    let f = this.featureKeys.get(key);
    if (f === undefined) {
      if (!key.startsWith(FEATURE_PREFIX)) return undefined;
      const feature = key.slice(FEATURE_PREFIX.length);
      f = { feature, stream: featureStream(feature) };
      if (this.featureKeys.size < 10_000) this.featureKeys.set(key, f);
    }
    return f;
  }

  private offerSpan(modelKey: string, span: SpanRecord, now: number): void {
    const res = this.reservoirs;
    const w = res.window(modelKey, now);
    // one priority key per row: the same spans tend to be kept for the score and every feature
    const spanKey = res.priority();
    const timeMs = Number(span.endTimeUnixNano) / 1e6;
    const { traceId, spanId } = span;
    if (w === undefined || !w.skips(SCORE_STREAM, spanKey)) {
      const score = num(span.attributes[SCORE]);
      if (score !== undefined && Number.isFinite(score)) {
        const edges = w === undefined ? undefined : this.edges(w, modelKey, SCORE_STREAM);
        res.offer(
          w,
          SCORE_STREAM,
          numericBin(score, edges === 'categorical' ? undefined : edges),
          spanKey,
          traceId,
          spanId,
          score,
          timeMs,
        );
      }
    }
    let events = 0;
    for (const ev of span.events) {
      if (ev.name !== FEATURES_EVENT) continue;
      if (++events > MAX_EVENTS) break;
      // each row of a several-row span its own key (the first row shares the span's)
      const u = events === 1 ? spanKey : res.priority();
      for (const key in ev.attributes) {
        const f = this.feature(key);
        if (f === undefined || (w !== undefined && w.skips(f.stream, u))) continue;
        const raw = str(ev.attributes[key]);
        if (raw === undefined) continue;
        const edges = w === undefined ? undefined : this.edges(w, modelKey, f.stream);
        const v = edges === 'categorical' || raw.length === 0 || raw.charCodeAt(0) <= 32 ? NaN : Number(raw);
        // a numeric text of a numeric feature goes on its bins; a category is its own bin
        if (Number.isFinite(v))
          res.offer(w, f.stream, numericBin(v, edges as readonly number[] | undefined), u, traceId, spanId, v, timeMs);
        else res.offer(w, f.stream, raw, u, traceId, spanId, NaN, timeMs);
      }
    }
  }

  counts(): SpanCounts {
    return { spans: this.spans, predictionSpans: this.predictionSpans };
  }
}
