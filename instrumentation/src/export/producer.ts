import { ValueType, type HrTime } from '@opentelemetry/api';
import { explicitFromExponential, subtractExponential, type ExponentialHistogram } from '@otel-ml/conventions';
import type {
  AggregationTemporality,
  AggregationTemporalitySelector,
  CollectionResult,
  DataPointType,
  ExponentialHistogramMetricData,
  HistogramMetricData,
  InstrumentType,
  MetricCollectOptions,
  MetricData,
  MetricProducer,
  ResourceMetrics,
  SumMetricData,
} from '@opentelemetry/sdk-metrics';
import type { Cell, ExponentialCell, HistogramCell } from '../aggregation/cells.js';
import { forgetRetired, type ModelAggregator } from '../aggregation/model-aggregator.js';
import { METRIC_BY_NAME, METRIC_DEFINITIONS } from '../aggregation/metrics.js';
import { SCOPE_NAME, VERSION } from '../version.js';
import { noisyCount, noisyExponential } from './noise.js';

// sdk-metrics is an optional peer: only its types are imported; these are its enum values.
const HISTOGRAM_INSTRUMENT = 'HISTOGRAM' as InstrumentType.HISTOGRAM;
const COUNTER_INSTRUMENT = 'COUNTER' as InstrumentType.COUNTER;
const DELTA = 0 as AggregationTemporality.DELTA;
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
const HISTOGRAM_POINTS = 0 as DataPointType.HISTOGRAM;
const EXPONENTIAL_POINTS = 1 as DataPointType.EXPONENTIAL_HISTOGRAM;
const SUM_POINTS = 3 as DataPointType.SUM;

/** What a producer reads: an aggregator, optionally with Laplace noise on its counts. */
export interface MetricSource {
  readonly aggregator: ModelAggregator;
  readonly privacy?: { readonly epsilon: number };
}

/** Anything with the reader's temporality choice (every sdk-metrics `MetricReader`). */
export interface TemporalitySource {
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality;
}

export interface MlMetricProducerOptions {
  /**
   * Temporality of the exported points: 'cumulative' (default), 'delta', or a selector by
   * instrument type (HISTOGRAM, COUNTER) such as an exporter's `selectAggregationTemporality`.
   * {@link MlMetricProducer.bindReader} sets it from a reader.
   */
  readonly temporality?: 'cumulative' | 'delta' | AggregationTemporalitySelector;
  /**
   * Export the exponential histograms (numeric features without boundaries) as explicit-bucket
   * histograms with the same buckets (exact; boundaries at the bucket bounds), for readers that
   * cannot take exponential ones: the OpenTelemetry JS Prometheus exporter (the Prometheus text
   * format has no native histograms) drops them otherwise. Default false.
   */
  readonly exponentialAsExplicit?: boolean;
}

/** What was last exported for one series (counts are the released, possibly noisy, values). */
interface Released {
  value: number;
  counts?: Float64Array;
  sum?: number;
  /** Exponential series: the released cumulative histogram. */
  exponential?: ExponentialHistogram;
}

type SdkExponential = ExponentialHistogramMetricData['dataPoints'][number]['value'];

/** The sdk-metrics shape of an explicit histogram of the same buckets (see `exponentialAsExplicit`). */
function sdkExplicit(h: ExponentialHistogram, exact: boolean, withMinMax: boolean): HistogramMetricData['dataPoints'][number]['value'] {
  const x = explicitFromExponential(h);
  return {
    buckets: { boundaries: [...x.boundaries], counts: [...x.counts] },
    count: h.count,
    ...(exact ? { sum: h.sum } : {}),
    ...(exact && withMinMax && h.min !== undefined && h.max !== undefined ? { min: h.min, max: h.max } : {}),
  };
}

/** The sdk-metrics shape of an exponential histogram (no zero threshold: OTLP exporters send 0). */
function sdkExponential(h: ExponentialHistogram, exact: boolean, withMinMax: boolean): SdkExponential {
  return {
    count: h.count,
    ...(exact ? { sum: h.sum } : {}),
    scale: h.scale,
    zeroCount: h.zeroCount,
    positive: { offset: h.positive.offset, bucketCounts: [...h.positive.bucketCounts] },
    negative: { offset: h.negative.offset, bucketCounts: [...h.negative.bucketCounts] },
    ...(exact && withMinMax && h.min !== undefined && h.max !== undefined ? { min: h.min, max: h.max } : {}),
  };
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

const EMPTY_RESOURCE: ResourceMetrics['resource'] = {
  attributes: {},
  merge(other) {
    return other ?? EMPTY_RESOURCE;
  },
  getRawAttributes() {
    return [];
  },
};

/**
 * An OpenTelemetry `MetricProducer` (sdk-metrics 2.x) exporting the pre-aggregated ML metrics
 * as HISTOGRAM, EXPONENTIAL_HISTOGRAM (numeric features without explicit boundaries) and SUM
 * data points of the scope `@otel-ml/instrumentation`. Delta points of an exponential series are
 * the change since the previous collection at the series' current scale (exact after the scale
 * was lowered). A model whose numeric features mix explicit and exponential histograms exports
 * `ml.feature.value` as two metrics of the same name, one per point type.
 *
 * Register it with a reader; a reader's resource is used for the points:
 * ```ts
 * const producer = createMlMetricProducer(); // every monitor in producer mode
 * const reader = new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] });
 * producer.bindReader(reader); // follow the exporter's temporality preference
 * const sdk = new NodeSDK({ metricReaders: [reader] }); // or new MeterProvider({ readers: [reader] })
 * ```
 * Each producer keeps its own delta position, so use one producer per reader.
 */
export class MlMetricProducer implements MetricProducer {
  private selector: AggregationTemporalitySelector;
  private readonly exponentialAsExplicit: boolean;
  private readonly previous = new Map<number, Released>();
  private readonly released = new Map<number, Released>();
  private lastCollectMs: number | undefined;

  constructor(
    private readonly sources: () => Iterable<MetricSource>,
    options: MlMetricProducerOptions = {},
  ) {
    this.selector = MlMetricProducer.selectorOf(options.temporality);
    this.exponentialAsExplicit = options.exponentialAsExplicit === true;
  }

  private static selectorOf(t: MlMetricProducerOptions['temporality']): AggregationTemporalitySelector {
    if (typeof t === 'function') return t;
    const fixed = t === 'delta' ? DELTA : CUMULATIVE;
    return () => fixed;
  }

  /** Uses the temporality preference of `reader` (e.g. a `PeriodicExportingMetricReader`). */
  bindReader(reader: TemporalitySource): this {
    this.selector = (type) => reader.selectAggregationTemporality(type);
    return this;
  }

  /** Called by the `MetricReader` on every collection. */
  async collect(_options?: MetricCollectOptions): Promise<CollectionResult> {
    const errors: unknown[] = [];
    const metrics: MetricData[] = [];
    try {
      this.collectInto(metrics);
    } catch (err) {
      errors.push(err);
    }
    return { resourceMetrics: { resource: EMPTY_RESOURCE, scopeMetrics: [{ scope: { name: SCOPE_NAME, version: VERSION }, metrics }] }, errors };
  }

  private collectInto(out: MetricData[]): void {
    const histTemporality = this.selector(HISTOGRAM_INSTRUMENT);
    const sumTemporality = this.selector(COUNTER_INSTRUMENT);
    const byName = new Map<string, HistogramMetricData | ExponentialHistogramMetricData | SumMetricData>();
    let now = Date.now();
    const live: Cell[] = [];
    for (const source of this.sources()) {
      const agg = source.aggregator;
      now = agg.now();
      for (const c of agg.allCells()) live.push(c);
      const epsilon = source.privacy !== undefined && source.privacy.epsilon > 0 ? source.privacy.epsilon : undefined;
      for (const cell of agg.allCells()) {
        // Series that never recorded anything are left out, as the OpenTelemetry SDK does.
        if ((cell.kind === 'sum' ? cell.value : cell.count) === 0) continue;
        const def = METRIC_BY_NAME.get(cell.metric)!;
        const asExplicit = cell.kind === 'exponential' && this.exponentialAsExplicit;
        const key = cell.kind === 'exponential' && !asExplicit ? cell.metric + '#exponential' : cell.metric;
        let metric = byName.get(key);
        if (metric === undefined) {
          const descriptor = { name: def.name, description: def.description, unit: def.unit, valueType: cell.kind === 'sum' ? ValueType.INT : ValueType.DOUBLE };
          metric =
            cell.kind === 'histogram' || asExplicit
              ? { descriptor, aggregationTemporality: histTemporality, dataPointType: HISTOGRAM_POINTS, dataPoints: [] }
              : cell.kind === 'exponential'
                ? { descriptor, aggregationTemporality: histTemporality, dataPointType: EXPONENTIAL_POINTS, dataPoints: [] }
                : { descriptor, aggregationTemporality: sumTemporality, dataPointType: SUM_POINTS, isMonotonic: true, dataPoints: [] };
          byName.set(key, metric);
        }
        const delta = metric.aggregationTemporality === DELTA;
        const startMs = delta && this.lastCollectMs !== undefined ? Math.max(cell.startTimeMs, this.lastCollectMs) : cell.startTimeMs;
        const times = { startTime: hrTime(startMs), endTime: hrTime(Math.max(now, startMs)), attributes: { ...cell.attributes } };
        if (cell.kind === 'histogram') {
          const point = this.histogramPoint(cell, epsilon, delta);
          if (point !== undefined) (metric as HistogramMetricData).dataPoints.push({ ...times, value: point });
        } else if (cell.kind === 'exponential') {
          const point = this.exponentialPoint(cell, epsilon, delta);
          if (point === undefined) continue;
          const exact = epsilon === undefined;
          if (asExplicit) (metric as HistogramMetricData).dataPoints.push({ ...times, value: sdkExplicit(point, exact, !delta) });
          else (metric as ExponentialHistogramMetricData).dataPoints.push({ ...times, value: sdkExponential(point, exact, !delta) });
        } else {
          const total = epsilon === undefined ? cell.value : this.release(cell.id, cell.value, epsilon);
          const prev = this.previous.get(cell.id);
          const value = delta ? total - (prev?.value ?? 0) : total;
          if (delta) {
            this.previous.set(cell.id, { value: total });
            if (value <= 0) continue;
          }
          (metric as SumMetricData).dataPoints.push({ ...times, value });
        }
      }
    }
    this.lastCollectMs = now;
    forgetRetired(this.previous, live);
    forgetRetired(this.released, live);
    for (const def of METRIC_DEFINITIONS) {
      for (const key of [def.name, def.name + '#exponential']) {
        const m = byName.get(key);
        if (m !== undefined && m.dataPoints.length > 0) out.push(m);
      }
    }
  }

  /**
   * An exponential series' point: its cumulative histogram (noisy with `epsilon`), or for delta
   * the change since the previous collection, at the series' current scale.
   */
  private exponentialPoint(cell: ExponentialCell, epsilon: number | undefined, delta: boolean): ExponentialHistogram | undefined {
    let h = cell.histogram();
    if (epsilon !== undefined) {
      h = noisyExponential(h, epsilon, this.released.get(cell.id)?.exponential);
      this.released.set(cell.id, { value: h.count, exponential: h });
    }
    if (!delta) return h;
    const prev = this.previous.get(cell.id)?.exponential;
    this.previous.set(cell.id, { value: h.count, exponential: h });
    if (prev === undefined) return h;
    if (h.count <= prev.count) return undefined;
    // cumulative releases only grow, and the scale only goes down: the difference exists
    return subtractExponential(h, prev);
  }

  private release(id: number, trueValue: number, epsilon: number): number {
    const prev = this.released.get(id);
    const value = noisyCount(trueValue, epsilon, prev?.value ?? 0);
    this.released.set(id, { value });
    return value;
  }

  private histogramPoint(cell: HistogramCell, epsilon: number | undefined, delta: boolean): HistogramMetricData['dataPoints'][number]['value'] | undefined {
    let counts: Float64Array = cell.counts;
    if (epsilon !== undefined) {
      let rel = this.released.get(cell.id);
      if (rel === undefined) {
        rel = { value: 0, counts: new Float64Array(cell.counts.length) };
        this.released.set(cell.id, rel);
      }
      const noisy = rel.counts!;
      for (let i = 0; i < noisy.length; i++) noisy[i] = noisyCount(cell.counts[i]!, epsilon, noisy[i]!);
      counts = noisy;
    }
    let count = 0;
    for (let i = 0; i < counts.length; i++) count += counts[i]!;
    const exact = epsilon === undefined;
    if (!delta) {
      return {
        buckets: { boundaries: [...cell.boundaries], counts: Array.from(counts) },
        count,
        ...(exact ? { sum: cell.sum } : {}),
        ...(exact && cell.count > 0 ? { min: cell.min, max: cell.max } : {}),
      };
    }
    const prev = this.previous.get(cell.id);
    const out = new Array<number>(counts.length);
    for (let i = 0; i < counts.length; i++) out[i] = counts[i]! - (prev?.counts?.[i] ?? 0);
    const dCount = count - (prev?.value ?? 0);
    const sum = cell.sum;
    const prevSum = prev?.sum ?? 0;
    this.previous.set(cell.id, { value: count, counts: Float64Array.from(counts), sum });
    if (dCount <= 0) return undefined;
    return { buckets: { boundaries: [...cell.boundaries], counts: out }, count: dCount, ...(exact ? { sum: sum - prevSum } : {}) };
  }
}
