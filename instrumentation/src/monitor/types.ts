import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { BaselineFile } from '@otel-ml/conventions';
import type { ModelAggregator } from '../aggregation/model-aggregator.js';
import type {
  AggregationLimits,
  AggregationSnapshot,
  DeploymentRole,
  FeatureRow,
  FeatureSpec,
  ModelTask,
  ObservedRow,
  ProjectionOptions,
  OutcomeRow,
  PredictionOutput,
  SliceValues,
  Temporality,
} from '../aggregation/types.js';
import type { MlMetricProducer } from '../export/producer.js';
import type { OutcomeJoinOptions } from './outcome-join.js';

/** How the monitor's metrics reach OpenTelemetry. */
export type ExportMode = 'producer' | 'instruments';

/** Identifies the model. */
export interface ModelInfo {
  readonly name: string;
  readonly version?: string;
  readonly task: ModelTask;
  /** `ml.model.framework` on spans (onnxruntime, tensorflowjs, mljs, custom, ...). */
  readonly framework?: string;
}

/** Differential-privacy option for exported counts (see {@link ModelMonitorOptions.privacy}, docs/privacy.md). */
export interface PrivacyOptions {
  /**
   * epsilon (> 0) of one prediction over every export, for as long as the monitor runs
   * (event-level differential privacy). Every bucket and counter gets discrete Laplace noise of
   * scale sensitivity / epsilon at every export.
   */
  readonly epsilon: number;
  /**
   * L1 sensitivity of one prediction: how many exported series it can change by one. Default:
   * computed from the declared features (2 per feature + 10 + one per business metric; see
   * `predictionSensitivity` in export/noise.ts). Set it lower only when fewer series are recorded
   * per prediction (e.g. no outcomes), never to spend less noise.
   */
  readonly sensitivity?: number;
  /** Business metrics recorded per prediction (`recordBusinessOutcome`), for the default sensitivity (default 1). */
  readonly businessMetrics?: number;
  /**
   * Tests only: uniform draws on (0, 1) for the noise, e.g. a seeded generator for reproducible
   * runs. Default: the operating system's CSPRNG; never set it in production (a predictable
   * noise protects nothing).
   */
  readonly random?: () => number;
}

export interface ModelMonitorOptions {
  readonly model: ModelInfo;
  /** Declared features. Default: the baseline's features. Array rows follow this order. */
  readonly features?: readonly FeatureSpec[];
  /**
   * Optional, and not needed for numeric features (they are base-2 exponential histograms unless
   * declared with `boundaries`): a `BaselineFile` object, or the path of the JSON file written by
   * `otel-ml baseline` (read synchronously at creation; an unreadable file is reported via `diag`
   * and the monitor runs without it). It supplies the feature list when `features` is absent,
   * the categories of categorical features, the class names, the model version and the
   * regression output's boundaries.
   */
  readonly baseline?: BaselineFile | string;
  /**
   * Maximum buckets per sign of the exponential histograms of numeric features (default 320;
   * see `ModelAggregatorOptions.exponentialMaxBuckets`).
   */
  readonly exponentialMaxBuckets?: number;
  /**
   * Joint drift: records k random projections of the standardized numeric features as
   * `ml.feature.projection` histograms (off by default; k x d multiply-adds and k histogram
   * records per row, measured in docs/beyond-drift.md). The processor tests them against the
   * reference and decides joint drift.
   */
  readonly projections?: ProjectionOptions;
  /** Classification: class labels, index-aligned with array `scores`. */
  readonly classes?: readonly string[];
  /** `ml.deployment.role` of this model (default 'primary'). */
  readonly role?: DeploymentRole;
  /** Allow-listed slice keys, exported as `ml.slice.<key>` with bounded values. */
  readonly slices?: readonly string[];
  /** Meter provider for `exportMode: 'instruments'` (default: the global one). */
  readonly meterProvider?: MeterProvider;
  /** Tracer provider for the spans of wrapped functions (default: the global one). */
  readonly tracerProvider?: TracerProvider;
  /**
   * 'producer' (default): metrics are pre-aggregated in memory and read by an OpenTelemetry
   * `MetricProducer` (register {@link ModelMonitor.metricProducer} or `createMlMetricProducer()`
   * with your `MetricReader`). 'instruments': every value is also recorded through plain SDK
   * instruments of `meterProvider` (histograms with explicit bucket advice, counters); slower,
   * for setups where no producer can be registered. SDK instruments cannot choose their
   * aggregation: register `mlFeatureValueView()` with the MeterProvider so that numeric features
   * are exponential histograms there too. SDK histograms refuse negative values, so on
   * this path negative feature values, regression outputs and signed errors are not exported
   * (they are counted as `negative_not_exportable` and reported via `diag`).
   */
  readonly exportMode?: ExportMode;
  /** Limits of the prediction-id map used by `recordOutcome(id, label)`. */
  readonly outcomes?: OutcomeJoinOptions;
  /**
   * Record raw feature values on spans, as an `ml.features` span event per row (at most 16;
   * attributes `ml.feature.input.<name>`, values as text) (default false).
   * The environment variable `OTEL_ML_CAPTURE_FEATURES=true|false` overrides this.
   */
  readonly captureFeatures?: boolean;
  /** Feature names (or patterns) whose captured values are replaced by `[REDACTED]`. */
  readonly redact?: readonly (string | RegExp)[];
  /**
   * Adds discrete Laplace noise to the change of every bucket and counter at every export of the
   * producer (unbiased, never clamped); a noisy series exports its positive parts, and the
   * negative parts on a companion series with `ml.privacy.part = negative` (the processor
   * subtracts them). Histogram sum/min/max are left out. What is protected and what is not (the
   * series that exist, the range of exponential histograms): docs/privacy.md. The in-memory
   * snapshot and `exportMode: 'instruments'` are not noised.
   */
  readonly privacy?: PrivacyOptions;
  readonly limits?: AggregationLimits;
  /** Binary classification: decision threshold for the predicted class (default 0.5). */
  readonly threshold?: number;
  /** `ml.prediction.value` boundaries (regression). Default: the baseline's, else the registry's. */
  readonly valueBoundaries?: readonly number[];
  /** `ml.business.value` boundaries. */
  readonly businessBoundaries?: readonly number[];
  /** The model runs in another process (spans of wrapped functions are CLIENT instead of INTERNAL). */
  readonly remote?: boolean;
  /** Clock in epoch milliseconds (default `Date.now`), for tests. */
  readonly clock?: () => number;
}

/** One prediction row for {@link ModelMonitor.observe} (the role is the monitor's). */
export interface ObserveInput extends Omit<ObservedRow, 'role'> {
  /** Prediction id used to join the outcome later (at most 256 characters); generated when absent or invalid. */
  readonly id?: string;
}

/** An outcome given together with the prediction's output (no id join; the role is the monitor's). */
export type OutcomeInput = Omit<OutcomeRow, 'role'>;

/** How `wrap` reads a call of the model: inputs -> feature rows, output -> per-row outputs. */
export interface WrapMapping<A extends unknown[], O> {
  /** Feature rows of one call (one element per row of the batch). */
  readonly inputs?: (...args: A) => readonly FeatureRow[] | undefined;
  /** Per-row outputs of one call (scores / predicted classes / values). */
  readonly outputs?: (output: O, ...args: A) => readonly PredictionOutput[] | undefined;
  /** Per-row prediction ids (generated where absent). */
  readonly ids?: (...args: A) => readonly (string | undefined)[] | undefined;
  /** Slice values of one call. */
  readonly slices?: (...args: A) => SliceValues | undefined;
  /** Receives the prediction ids of each successful call (for `recordOutcome`). */
  readonly onPredictions?: (ids: readonly string[], output: O, ...args: A) => void;
  /** Overrides the monitor's `remote` option for this function (CLIENT span). */
  readonly remote?: boolean;
}

export interface ShadowOptions<A extends unknown[], O> {
  /** Share of calls also sent to the candidate, in [0, 1] (default 1). */
  readonly sampleRate?: number;
  /** Per-row outputs of the candidate (default: the wrapped function's `outputs` mapping). */
  readonly outputs?: (output: O, ...args: A) => readonly PredictionOutput[] | undefined;
  /**
   * Whether a candidate row agrees with the primary row. Default: same predicted class
   * (classification), |difference| <= tolerance x max(1, |primary|) (regression) or
   * |score difference| <= tolerance (ranking).
   */
  readonly agree?: (primary: PredictionOutput, candidate: PredictionOutput) => boolean;
  /** Default 0.05. */
  readonly tolerance?: number;
  /** Candidate calls in flight at most; further samples are skipped (default 8). */
  readonly maxConcurrent?: number;
}

export interface ShadowHandle {
  /** Calls skipped because `maxConcurrent` candidate calls were running. */
  readonly skipped: number;
  /** Stops sending calls to the candidate. */
  stop(): void;
}

/** Per-row data of one successful call, as passed to shadows. */
export interface ObservedCall {
  readonly args: readonly unknown[];
  readonly outputs: readonly PredictionOutput[];
  readonly ids: readonly string[];
  readonly slices: SliceValues | undefined;
}

export interface ModelMonitor {
  /** False when disabled (`OTEL_SDK_DISABLED=true`, invalid options, or after `shutdown`). */
  readonly enabled: boolean;
  readonly model: ModelInfo;
  /** The in-memory aggregation (undefined when disabled). */
  readonly aggregator: ModelAggregator | undefined;
  /**
   * A `MetricProducer` reading this monitor only; register it with your `MetricReader` (or
   * register one `createMlMetricProducer()` for all monitors instead, not both). Not needed with
   * `exportMode: 'instruments'`, whose values already go through SDK instruments.
   */
  readonly metricProducer: MlMetricProducer;
  /** Records one prediction row; returns its prediction id (the given one, else a generated one). Never throws. */
  observe(input: ObserveInput): string;
  /**
   * Joins an outcome to the prediction `predictionId` (kept in a bounded map) and records it.
   * Returns false (and counts `ml.outcome.unmatched`) when the id is unknown, expired, evicted or
   * already joined. Never throws.
   */
  recordOutcome(predictionId: string, label: string | number | boolean): boolean;
  /** Records an outcome together with its prediction output. Never throws. */
  recordOutcome(outcome: OutcomeInput): boolean;
  /**
   * Wraps a model call: span `predict {model}`, `ml.inference.duration`, and `observe` per row via
   * the mapping. The model's result and errors pass through unchanged.
   */
  wrap<A extends unknown[], R>(fn: (...args: A) => R, mapping?: WrapMapping<A, Awaited<R>>): (...args: A) => R;
  /**
   * Sends (a sample of) the calls of wrapped functions to a candidate model off the request path,
   * records its outputs under role shadow and counts `ml.shadow.agreement`. Candidate errors are
   * counted, never thrown; the primary result is never changed.
   */
  shadow<A extends unknown[], R>(candidate: (...args: A) => R, options?: ShadowOptions<A, Awaited<R>>): ShadowHandle;
  /** Records a business value (`ml.business.value`), e.g. revenue attributed to a prediction. Never throws. */
  recordBusinessOutcome(name: string, value: number, options?: { predictionId?: string; slices?: SliceValues }): void;
  /** Plain-data snapshot of the aggregation (empty when disabled). */
  snapshot(options?: { temporality?: Temporality }): AggregationSnapshot | undefined;
  /** Stops recording and releases memory; later calls are no-ops. */
  shutdown(): Promise<void>;
}
