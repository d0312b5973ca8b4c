import { ValueType, type HrTime } from '@opentelemetry/api';
import {
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_PRIVACY_PART,
  METRIC_ML_PRIVACY_NOISE_VARIANCE,
  exponentialAtScale,
  explicitFromExponential,
  mergeExponential,
  ML_PRIVACY_PART_VALUE_NEGATIVE,
  subtractExponential,
  type ExponentialBuckets,
  type ExponentialHistogram,
} from '@otel-ml/conventions';
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
import { discreteLaplaceVariance, noisyDelta, type NoiseSettings } from './noise.js';

// sdk-metrics is an optional peer: only its types are imported; these are its enum values.
const HISTOGRAM_INSTRUMENT = 'HISTOGRAM' as InstrumentType.HISTOGRAM;
const COUNTER_INSTRUMENT = 'COUNTER' as InstrumentType.COUNTER;
const DELTA = 0 as AggregationTemporality.DELTA;
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
const HISTOGRAM_POINTS = 0 as DataPointType.HISTOGRAM;
const EXPONENTIAL_POINTS = 1 as DataPointType.EXPONENTIAL_HISTOGRAM;
const SUM_POINTS = 3 as DataPointType.SUM;

/** What a producer reads: an aggregator, optionally with differential-privacy noise on its counts (noise.ts). */
export interface MetricSource {
  readonly aggregator: ModelAggregator;
  readonly privacy?: NoiseSettings;
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

/**
 * A noisy series' state: the true cumulative value at the last export (to take the true delta)
 * and the cumulative positive and negative parts of the noisy deltas released so far (noise.ts).
 */
type NoisyState =
  | { kind: 'sum'; truth: number; pos: number; neg: number }
  | { kind: 'histogram'; truth: Float64Array; pos: Float64Array; neg: Float64Array }
  | {
      kind: 'exponential';
      truth: ExponentialHistogram | undefined;
      pos: ExponentialHistogram | undefined;
      neg: ExponentialHistogram | undefined;
    };

/** One noisy release of a series: the positive part, and the negative part when it is not empty (or, cumulative, once it was not). */
interface NoisyRelease<T> {
  readonly pos: T;
  readonly neg: T | undefined;
}

const NEGATIVE_PART = { [ATTR_ML_PRIVACY_PART]: ML_PRIVACY_PART_VALUE_NEGATIVE };

function positivePart(v: number): number {
  return v > 0 ? v : 0;
}

function negativePart(v: number): number {
  return v < 0 ? -v : 0;
}

/** An exponential histogram of the given parts (count = their total, no sum, min or max). */
function partsHistogram(
  scale: number,
  zeroCount: number,
  positive: ExponentialBuckets,
  negative: ExponentialBuckets,
): ExponentialHistogram {
  let count = zeroCount;
  for (const c of positive.bucketCounts) count += c;
  for (const c of negative.bucketCounts) count += c;
  return { scale, zeroCount, zeroThreshold: 0, positive, negative, count, sum: Number.NaN };
}

const MAX_MERGE_BUCKETS = 1 << 20;

type SdkExponential = ExponentialHistogramMetricData['dataPoints'][number]['value'];

/** The sdk-metrics shape of an explicit histogram of the same buckets (see `exponentialAsExplicit`). */
function sdkExplicit(
  h: ExponentialHistogram,
  exact: boolean,
  withMinMax: boolean,
): HistogramMetricData['dataPoints'][number]['value'] {
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
 *
 * A source with `privacy` exports noisy series (export/noise.ts, docs/privacy.md): every bucket
 * and counter gets its true change plus noise at every collection, the negative parts go on a
 * companion series (`ml.privacy.part = negative`), and `ml.privacy.noise.variance` states the
 * noise added. Sums, min and max are left out.
 */
export class MlMetricProducer implements MetricProducer {
  private selector: AggregationTemporalitySelector;
  private readonly exponentialAsExplicit: boolean;
  private readonly previous = new Map<number, Released>();
  private readonly noisy = new Map<number, NoisyState>();
  /** `ml.privacy.noise.variance` per model identity (JSON of its attributes): start and running total. */
  private readonly noiseTotals = new Map<string, { startMs: number; total: number }>();
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
    return {
      resourceMetrics: {
        resource: EMPTY_RESOURCE,
        scopeMetrics: [{ scope: { name: SCOPE_NAME, version: VERSION }, metrics }],
      },
      errors,
    };
  }

  private collectInto(out: MetricData[]): void {
    const histTemporality = this.selector(HISTOGRAM_INSTRUMENT);
    const sumTemporality = this.selector(COUNTER_INSTRUMENT);
    const byName = new Map<string, HistogramMetricData | ExponentialHistogramMetricData | SumMetricData>();
    let now = Date.now();
    const live: Cell[] = [];
    const noiseSources: { attributes: Record<string, string>; variance: number }[] = [];
    for (const source of this.sources()) {
      const agg = source.aggregator;
      now = agg.now();
      for (const c of agg.allCells()) live.push(c);
      const noise =
        source.privacy !== undefined && source.privacy.epsilon > 0 && source.privacy.scale > 0
          ? source.privacy
          : undefined;
      if (noise !== undefined) {
        // one noise statement per model identity among the source's series
        const seen = new Set<string>();
        for (const cell of agg.allCells()) {
          const a = cell.attributes as Record<string, unknown>;
          const attributes: Record<string, string> = {};
          for (const k of [ATTR_ML_MODEL_NAME, ATTR_ML_MODEL_VERSION, ATTR_ML_MODEL_TASK, ATTR_ML_DEPLOYMENT_ROLE])
            if (typeof a[k] === 'string') attributes[k] = a[k] as string;
          const key = JSON.stringify(attributes);
          if (seen.has(key)) continue;
          seen.add(key);
          noiseSources.push({ attributes, variance: discreteLaplaceVariance(noise.scale) });
        }
      }
      for (const cell of agg.allCells()) {
        // Series that never recorded anything are left out, as the OpenTelemetry SDK does.
        if ((cell.kind === 'sum' ? cell.value : cell.count) === 0) continue;
        const def = METRIC_BY_NAME.get(cell.metric)!;
        const asExplicit = cell.kind === 'exponential' && this.exponentialAsExplicit;
        const key = cell.kind === 'exponential' && !asExplicit ? cell.metric + '#exponential' : cell.metric;
        let metric = byName.get(key);
        if (metric === undefined) {
          const descriptor = {
            name: def.name,
            description: def.description,
            unit: def.unit,
            valueType: cell.kind === 'sum' ? ValueType.INT : ValueType.DOUBLE,
          };
          metric =
            cell.kind === 'histogram' || asExplicit
              ? { descriptor, aggregationTemporality: histTemporality, dataPointType: HISTOGRAM_POINTS, dataPoints: [] }
              : cell.kind === 'exponential'
                ? {
                    descriptor,
                    aggregationTemporality: histTemporality,
                    dataPointType: EXPONENTIAL_POINTS,
                    dataPoints: [],
                  }
                : {
                    descriptor,
                    aggregationTemporality: sumTemporality,
                    dataPointType: SUM_POINTS,
                    isMonotonic: true,
                    dataPoints: [],
                  };
          byName.set(key, metric);
        }
        const delta = metric.aggregationTemporality === DELTA;
        const startMs =
          delta && this.lastCollectMs !== undefined ? Math.max(cell.startTimeMs, this.lastCollectMs) : cell.startTimeMs;
        const times = {
          startTime: hrTime(startMs),
          endTime: hrTime(Math.max(now, startMs)),
          attributes: { ...cell.attributes },
        };
        const negativeTimes = { ...times, attributes: { ...cell.attributes, ...NEGATIVE_PART } };
        if (noise !== undefined) {
          // noisy: the positive parts on the series, the negative parts on its companion (noise.ts)
          if (cell.kind === 'histogram') {
            const r = this.noisyHistogram(cell, noise, delta);
            const point = (counts: Float64Array) => ({
              buckets: { boundaries: [...cell.boundaries], counts: Array.from(counts) },
              count: counts.reduce((a, c) => a + c, 0),
            });
            if (r.pos !== undefined) (metric as HistogramMetricData).dataPoints.push({ ...times, value: point(r.pos) });
            if (r.neg !== undefined)
              (metric as HistogramMetricData).dataPoints.push({ ...negativeTimes, value: point(r.neg) });
          } else if (cell.kind === 'exponential') {
            const r = this.noisyExponential(cell, noise, delta);
            for (const [h, t] of [
              [r.pos, times],
              [r.neg, negativeTimes],
            ] as const) {
              if (h === undefined) continue;
              if (asExplicit)
                (metric as HistogramMetricData).dataPoints.push({ ...t, value: sdkExplicit(h, false, false) });
              else
                (metric as ExponentialHistogramMetricData).dataPoints.push({
                  ...t,
                  value: sdkExponential(h, false, false),
                });
            }
          } else {
            const r = this.noisySum(cell.id, cell.value, noise, delta);
            if (r.pos !== undefined) (metric as SumMetricData).dataPoints.push({ ...times, value: r.pos });
            if (r.neg !== undefined) (metric as SumMetricData).dataPoints.push({ ...negativeTimes, value: r.neg });
          }
          continue;
        }
        if (cell.kind === 'histogram') {
          const point = this.histogramPoint(cell, delta);
          if (point !== undefined) (metric as HistogramMetricData).dataPoints.push({ ...times, value: point });
        } else if (cell.kind === 'exponential') {
          const point = this.exponentialPoint(cell, delta);
          if (point === undefined) continue;
          if (asExplicit)
            (metric as HistogramMetricData).dataPoints.push({ ...times, value: sdkExplicit(point, true, !delta) });
          else
            (metric as ExponentialHistogramMetricData).dataPoints.push({
              ...times,
              value: sdkExponential(point, true, !delta),
            });
        } else {
          const total = cell.value;
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
    const previousCollectMs = this.lastCollectMs;
    this.lastCollectMs = now;
    if (noiseSources.length > 0) out.push(this.noisePoints(noiseSources, now, previousCollectMs, sumTemporality));
    forgetRetired(this.previous, live);
    forgetRetired(this.noisy, live);
    for (const def of METRIC_DEFINITIONS) {
      for (const key of [def.name, def.name + '#exponential']) {
        const m = byName.get(key);
        if (m !== undefined && m.dataPoints.length > 0) out.push(m);
      }
    }
  }

  /**
   * `ml.privacy.noise.variance`: by how much this export's noise raised the variance of every
   * bucket and counter of each noisy model (cumulative: the running total since the first export).
   */
  private noisePoints(
    sources: readonly { attributes: Record<string, string>; variance: number }[],
    now: number,
    previousMs: number | undefined,
    temporality: AggregationTemporality,
  ): SumMetricData {
    const descriptor = {
      name: METRIC_ML_PRIVACY_NOISE_VARIANCE,
      description: 'Variance of the differential-privacy noise added to each bucket and counter, summed over exports',
      unit: '1',
      valueType: ValueType.DOUBLE,
    };
    const dataPoints: SumMetricData['dataPoints'] = [];
    for (const { attributes, variance } of sources) {
      const key = JSON.stringify(attributes);
      let t = this.noiseTotals.get(key);
      if (t === undefined) this.noiseTotals.set(key, (t = { startMs: previousMs ?? now, total: 0 }));
      t.total += variance;
      const startMs = temporality === DELTA ? Math.min(now, Math.max(t.startMs, previousMs ?? t.startMs)) : t.startMs;
      dataPoints.push({
        startTime: hrTime(startMs),
        endTime: hrTime(now),
        attributes,
        value: temporality === DELTA ? variance : t.total,
      });
    }
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: SUM_POINTS,
      isMonotonic: true,
      dataPoints,
    };
  }

  /**
   * An exponential series' point: its cumulative histogram, or for delta the change since the
   * previous collection, at the series' current scale.
   */
  private exponentialPoint(cell: ExponentialCell, delta: boolean): ExponentialHistogram | undefined {
    const h = cell.histogram();
    if (!delta) return h;
    const prev = this.previous.get(cell.id)?.exponential;
    this.previous.set(cell.id, { value: h.count, exponential: h });
    if (prev === undefined) return h;
    if (h.count <= prev.count) return undefined;
    // cumulative counts only grow, and the scale only goes down: the difference exists
    return subtractExponential(h, prev);
  }

  private histogramPoint(
    cell: HistogramCell,
    delta: boolean,
  ): HistogramMetricData['dataPoints'][number]['value'] | undefined {
    const counts = cell.counts;
    const count = cell.count;
    if (!delta) {
      return {
        buckets: { boundaries: [...cell.boundaries], counts: Array.from(counts) },
        count,
        sum: cell.sum,
        ...(cell.count > 0 ? { min: cell.min, max: cell.max } : {}),
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
    return { buckets: { boundaries: [...cell.boundaries], counts: out }, count: dCount, sum: sum - prevSum };
  }

  /**
   * A counter's noisy release: its true change since the last export plus noise, split into
   * parts. Delta: this export's parts (a part left out when 0). Cumulative: the parts' running
   * totals (the negative one from the first export that had a negative part).
   */
  private noisySum(id: number, value: number, noise: NoiseSettings, delta: boolean): NoisyRelease<number | undefined> {
    let st = this.noisy.get(id);
    if (st === undefined || st.kind !== 'sum') this.noisy.set(id, (st = { kind: 'sum', truth: 0, pos: 0, neg: 0 }));
    const d = noisyDelta(value - st.truth, noise.scale, noise.uniform);
    st.truth = value;
    const p = positivePart(d);
    const n = negativePart(d);
    st.pos += p;
    st.neg += n;
    if (delta) return { pos: p > 0 ? p : undefined, neg: n > 0 ? n : undefined };
    return { pos: st.pos, neg: st.neg > 0 ? st.neg : undefined };
  }

  /** An explicit histogram's noisy release, bucket by bucket (see {@link noisySum}). */
  private noisyHistogram(
    cell: HistogramCell,
    noise: NoiseSettings,
    delta: boolean,
  ): NoisyRelease<Float64Array | undefined> {
    const n = cell.counts.length;
    let st = this.noisy.get(cell.id);
    if (st === undefined || st.kind !== 'histogram' || st.truth.length !== n) {
      this.noisy.set(
        cell.id,
        (st = { kind: 'histogram', truth: new Float64Array(n), pos: new Float64Array(n), neg: new Float64Array(n) }),
      );
    }
    const p = new Float64Array(n);
    const m = new Float64Array(n);
    let anyP = false;
    let anyM = false;
    for (let i = 0; i < n; i++) {
      const d = noisyDelta(cell.counts[i]! - st.truth[i]!, noise.scale, noise.uniform);
      st.truth[i] = cell.counts[i]!;
      p[i] = positivePart(d);
      m[i] = negativePart(d);
      st.pos[i]! += p[i]!;
      st.neg[i]! += m[i]!;
      anyP ||= p[i]! > 0;
      anyM ||= m[i]! > 0;
    }
    if (delta) return { pos: anyP ? p : undefined, neg: anyM ? m : undefined };
    return { pos: Float64Array.from(st.pos), neg: st.neg.some((c) => c > 0) ? Float64Array.from(st.neg) : undefined };
  }

  /**
   * An exponential histogram's noisy release at the series' current scale: every bucket of the
   * true cumulative histogram's range and the zero count get their true change plus noise (see
   * {@link noisySum}). The cumulative parts are brought to a lowered scale by adding neighbouring
   * buckets, so they stay monotonic.
   */
  private noisyExponential(
    cell: ExponentialCell,
    noise: NoiseSettings,
    delta: boolean,
  ): NoisyRelease<ExponentialHistogram | undefined> {
    let st = this.noisy.get(cell.id);
    if (st === undefined || st.kind !== 'exponential')
      this.noisy.set(cell.id, (st = { kind: 'exponential', truth: undefined, pos: undefined, neg: undefined }));
    const h = cell.histogram();
    const prev = st.truth === undefined ? undefined : exponentialAtScale(st.truth, h.scale);
    st.truth = h;
    const side = (
      t: ExponentialBuckets,
      q: ExponentialBuckets | undefined,
    ): [ExponentialBuckets, ExponentialBuckets] => {
      const p = new Array<number>(t.bucketCounts.length);
      const m = new Array<number>(t.bucketCounts.length);
      for (let k = 0; k < p.length; k++) {
        const j = t.offset + k - (q?.offset ?? 0);
        const before = q !== undefined && j >= 0 && j < q.bucketCounts.length ? q.bucketCounts[j]! : 0;
        const d = noisyDelta(t.bucketCounts[k]! - before, noise.scale, noise.uniform);
        p[k] = positivePart(d);
        m[k] = negativePart(d);
      }
      return [
        { offset: t.offset, bucketCounts: p },
        { offset: t.offset, bucketCounts: m },
      ];
    };
    const z = noisyDelta(h.zeroCount - (prev?.zeroCount ?? 0), noise.scale, noise.uniform);
    const [pp, pm] = side(h.positive, prev?.positive);
    const [np, nm] = side(h.negative, prev?.negative);
    const pos = partsHistogram(h.scale, positivePart(z), pp, np);
    const neg = partsHistogram(h.scale, negativePart(z), pm, nm);
    st.pos = st.pos === undefined ? pos : mergeExponential(st.pos, pos, MAX_MERGE_BUCKETS);
    st.neg = st.neg === undefined ? neg : mergeExponential(st.neg, neg, MAX_MERGE_BUCKETS);
    if (delta) return { pos: pos.count > 0 ? pos : undefined, neg: neg.count > 0 ? neg : undefined };
    return { pos: st.pos, neg: st.neg.count > 0 ? st.neg : undefined };
  }
}
