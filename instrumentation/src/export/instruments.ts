import { ValueType, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import type { AggregationType, ViewOptions } from '@opentelemetry/sdk-metrics';
import type { Cell } from '../aggregation/cells.js';
import { METRIC_BY_NAME } from '../aggregation/metrics.js';
import { DEFAULT_EXPONENTIAL_MAX_BUCKETS, METRIC_ML_FEATURE_VALUE } from '../names.js';
import { SCOPE_NAME, VERSION } from '../version.js';

/**
 * Meter of the SDK histograms that mirror exponential series in `exportMode: 'instruments'`
 * (numeric features without explicit boundaries): a View on it gives them their aggregation
 * without touching features declared with explicit boundaries.
 */
export const EXPONENTIAL_METER_NAME = `${SCOPE_NAME}/exponential`;

// sdk-metrics is an optional peer: only its types are imported; this is its enum value.
const EXPONENTIAL_AGGREGATION = 5 as AggregationType.EXPONENTIAL_HISTOGRAM;

/**
 * The sdk-metrics View that aggregates `ml.feature.value` as a base-2 exponential histogram.
 * OpenTelemetry SDK instruments cannot choose their own aggregation (only explicit bucket
 * advice), so whoever records `ml.feature.value` through plain SDK histograms, or uses
 * `exportMode: 'instruments'`, configures this View on the MeterProvider:
 * ```ts
 * new MeterProvider({ readers: [reader], views: [mlFeatureValueView()] });
 * // NodeSDK: new NodeSDK({ views: [mlFeatureValueView()], ... })
 * ```
 * Without it the SDK's default explicit buckets (0 to 10,000) are used, which the processor
 * accepts but which are far too coarse for most features. `maxSize` is the bucket budget per
 * sign (default 320, the instrumentation's). `meterName` restricts the View to one meter: with
 * `exportMode: 'instruments'` and some features declared with explicit boundaries, pass
 * {@link EXPONENTIAL_METER_NAME} so that those keep their buckets.
 */
export function mlFeatureValueView(
  options: { readonly maxSize?: number; readonly meterName?: string } = {},
): ViewOptions {
  return {
    instrumentName: METRIC_ML_FEATURE_VALUE,
    ...(options.meterName !== undefined ? { meterName: options.meterName } : {}),
    aggregation: {
      type: EXPONENTIAL_AGGREGATION,
      options: { maxSize: options.maxSize ?? DEFAULT_EXPONENTIAL_MAX_BUCKETS, recordMinMax: true },
    },
  };
}

interface Mirror {
  readonly counters: Map<string, Counter>;
  readonly histograms: Map<string, Histogram>;
  /** Boundaries used on the main meter per histogram name. */
  readonly mainBoundaries: Map<string, string>;
  extraMeters: number;
}

const mirrors = new WeakMap<MeterProvider, Mirror>();

/**
 * Returns a callback that attaches plain SDK instruments of `meterProvider` to every new cell,
 * so that each recorded value also goes through `Histogram.record` / `Counter.add` (the
 * `exportMode: 'instruments'` fallback). Histograms carry their boundaries as
 * `advice.explicitBucketBoundaries`. The SDK keys an instrument's buckets by its name within a
 * meter, so a histogram name recorded with several boundary sets (`ml.feature.value` with
 * per-feature boundaries) gets one extra meter per additional set, named
 * `@otel-ml/instrumentation/buckets-<n>`. Exponential series (numeric features without
 * boundaries) are mirrored into histograms of the meter {@link EXPONENTIAL_METER_NAME}, which
 * need {@link mlFeatureValueView} to be exponential in the SDK too.
 *
 * Limitation: SDK histograms refuse negative values (the API requires non-negative histogram
 * measurements), so negative feature values, regression outputs and signed errors cannot be
 * exported on this path; they are reported through `onNegative` instead. The producer path
 * has no such limit.
 */
export function instrumentMirror(
  meterProvider: MeterProvider,
  onNegative: (metric: string) => void,
): (cell: Cell) => void {
  let mirror = mirrors.get(meterProvider);
  if (mirror === undefined) {
    mirror = { counters: new Map(), histograms: new Map(), mainBoundaries: new Map(), extraMeters: 0 };
    mirrors.set(meterProvider, mirror);
  }
  const m = mirror;
  const main = meterProvider.getMeter(SCOPE_NAME, VERSION);
  return (cell) => {
    const def = METRIC_BY_NAME.get(cell.metric);
    if (def === undefined) return;
    const attributes = { ...cell.attributes };
    if (cell.kind === 'sum') {
      let counter = m.counters.get(cell.metric);
      if (counter === undefined) {
        counter = main.createCounter(cell.metric, {
          unit: def.unit,
          description: def.description,
          valueType: ValueType.INT,
        });
        m.counters.set(cell.metric, counter);
      }
      const c = counter;
      cell.mirror = { add: (n) => c.add(n, attributes) };
      return;
    }
    const exponential = cell.kind === 'exponential';
    const boundariesKey = exponential ? 'exponential' : cell.boundaries.join(',');
    const key = `${cell.metric}|${boundariesKey}`;
    let histogram = m.histograms.get(key);
    if (histogram === undefined) {
      let meter = main;
      const first = m.mainBoundaries.get(cell.metric);
      if (exponential) meter = meterProvider.getMeter(EXPONENTIAL_METER_NAME, VERSION);
      else if (first === undefined) m.mainBoundaries.set(cell.metric, boundariesKey);
      else if (first !== boundariesKey)
        meter = meterProvider.getMeter(`${SCOPE_NAME}/buckets-${++m.extraMeters}`, VERSION);
      histogram = meter.createHistogram(cell.metric, {
        unit: def.unit,
        description: def.description,
        ...(exponential ? {} : { advice: { explicitBucketBoundaries: [...cell.boundaries] } }),
      });
      m.histograms.set(key, histogram);
    }
    const h = histogram;
    const metric = cell.metric;
    cell.mirror = {
      record: (v) => {
        if (v < 0) onNegative(metric);
        else h.record(v, attributes);
      },
    };
  };
}
