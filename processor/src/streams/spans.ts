/**
 * Prediction spans into the trace samples: each `predict {model}` span the instrumentation
 * exports (ml.operation.name `predict`) offers its score (ml.prediction.score, on one-row calls)
 * and, with `captureFeatures`, each `ml.features` event offers its feature values
 * (`ml.feature.input.<name>`), to the model's reservoirs (windows/samples.ts), binned on the
 * layout the model's open window uses for that stream. Spans of other operations, or without
 * ml.model.name, are skipped.
 */
import {
  ATTR_ML_FEATURE_INPUT,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_PREDICTION_ID,
  ATTR_ML_PREDICTION_SCORE,
  EVENT_ML_FEATURES,
  ML_OPERATION_NAME_VALUE_PREDICT,
} from '@otel-ml/conventions';
import type { AttributeValue, Attributes, SpanRecord, TracesExport } from '../otlp/model.js';
import { SCORE_STREAM, featureStream, fineBin, type SampleReservoirs, type SampleLayout, type TraceSample } from '../windows/samples.js';

const FEATURE_PREFIX = ATTR_ML_FEATURE_INPUT('');
/** Feature events read per span at most (the instrumentation writes at most 16). */
const MAX_EVENTS = 16;

/** What the sampler needs from the stream state. */
export interface SampleStreams {
  modelKeyOf(attributes: Attributes, resource: Attributes): string | undefined;
  sampleLayout(modelKey: string, feature: string | undefined): SampleLayout | undefined;
}

export interface SpanCounts {
  /** Spans received. */
  readonly spans: number;
  /** Prediction spans of a model (the ones sampled). */
  readonly predictionSpans: number;
}

const num = (v: AttributeValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined);
const text = (v: AttributeValue | undefined): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : Array.isArray(v) ? undefined : String(v));

export class TraceSampler {
  private spans = 0;
  private predictionSpans = 0;

  constructor(
    private readonly streams: SampleStreams,
    readonly reservoirs: SampleReservoirs,
    private readonly clock: () => number = Date.now,
  ) {}

  consume(exp: TracesExport): void {
    const now = this.clock();
    for (const rs of exp.resourceSpans) {
      for (const span of rs.spans) {
        this.spans++;
        const a = span.attributes;
        if (a[ATTR_ML_OPERATION_NAME] !== ML_OPERATION_NAME_VALUE_PREDICT) continue;
        const modelKey = this.streams.modelKeyOf(a, rs.resource.attributes);
        if (modelKey === undefined) continue;
        this.predictionSpans++;
        this.offerSpan(modelKey, span, now);
      }
    }
  }

  private offerSpan(modelKey: string, span: SpanRecord, now: number): void {
    const timeMs = Number(span.endTimeUnixNano / 1_000_000n);
    const spanPrediction = text(span.attributes[ATTR_ML_PREDICTION_ID]);
    const score = num(span.attributes[ATTR_ML_PREDICTION_SCORE]);
    const base = { traceId: span.traceId, spanId: span.spanId, timeMs };
    if (score !== undefined && Number.isFinite(score)) {
      const sample: TraceSample = { ...base, value: score, text: String(score), ...(spanPrediction !== undefined ? { predictionId: spanPrediction } : {}) };
      this.reservoirs.offer(modelKey, SCORE_STREAM, fineBin(score, this.streams.sampleLayout(modelKey, undefined)), sample, now);
    }
    let events = 0;
    for (const ev of span.events) {
      if (ev.name !== EVENT_ML_FEATURES) continue;
      if (++events > MAX_EVENTS) break;
      const prediction = text(ev.attributes[ATTR_ML_PREDICTION_ID]) ?? spanPrediction;
      for (const key in ev.attributes) {
        if (!key.startsWith(FEATURE_PREFIX)) continue;
        const raw = text(ev.attributes[key]);
        if (raw === undefined) continue;
        const feature = key.slice(FEATURE_PREFIX.length);
        const v = num(raw);
        // a numeric text goes on the numeric layout; anything else is a category (its own bin)
        const numeric = v !== undefined && Number.isFinite(v);
        const bin = numeric ? fineBin(v, this.streams.sampleLayout(modelKey, feature)) : `c${raw}`;
        const sample: TraceSample = { ...base, value: numeric ? v : NaN, text: raw, ...(prediction !== undefined ? { predictionId: prediction } : {}) };
        this.reservoirs.offer(modelKey, featureStream(feature), bin, sample, now);
      }
    }
  }

  counts(): SpanCounts {
    return { spans: this.spans, predictionSpans: this.predictionSpans };
  }
}
