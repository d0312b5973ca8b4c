import type { BaselineFile, ExplicitHistogram, ExponentialHistogram, ModelTask } from '@otel-ml/conventions';
import type { AttributeValue, Cell, MetricAttributes } from './cells.js';

export type { ModelTask };
export type { AttributeValue, MetricAttributes };

/** `ml.deployment.role`. */
export type DeploymentRole = 'primary' | 'canary' | 'shadow';

/** `ml.feature.type`. */
export type FeatureType = 'numeric' | 'categorical';

/** Declares one model input feature. */
export interface FeatureSpec {
  readonly name: string;
  readonly type: FeatureType;
  /**
   * Numeric features: explicit bucket boundaries (strictly increasing, finite) of
   * `ml.feature.value`. Default: none: the values are aggregated as a base-2 exponential
   * histogram, which needs no prior boundaries (see `exponentialMaxBuckets`).
   */
  readonly boundaries?: readonly number[];
  /**
   * Categorical features: the known categories. Default: the baseline's categories, else the
   * first `limits.maxCategories` distinct values seen. Other values count as `__other__`.
   */
  readonly categories?: readonly string[];
  /**
   * The feature's values must not leave the process, even as metric attributes: its categories
   * outside the known set are counted (as `__other__`) but never named in
   * `ml.feature.category.unseen`. Default false.
   */
  readonly sensitive?: boolean;
}

/**
 * One row of feature values: an object keyed by feature name, or an array in the order of the
 * declared features. Numeric features accept numbers, numeric strings and booleans (0/1);
 * categorical features accept strings, numbers and booleans. `null`, `undefined`, `NaN` and
 * `''` count as missing, as does a declared feature absent from an object row. Values of the
 * wrong type, non-finite numbers and unknown feature names are counted (see {@link AggregationStats}).
 */
export type FeatureRow = Readonly<Record<string, unknown>> | ArrayLike<unknown>;

/** Values for the allow-listed slice keys (`ml.slice.<key>`), bounded per key. */
export type SliceValues = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * Multiclass scores: an array indexed like the declared `classes`, or an object keyed by class.
 */
export type ClassScores = ArrayLike<number> | Readonly<Record<string, number>>;

/** A model output (one row). Which fields apply depends on the task. */
export interface PredictionOutput {
  /** Binary classification / ranking: score (probability of the positive class), in [0, 1]. */
  readonly score?: number;
  /** Multiclass classification: per-class scores. */
  readonly scores?: ClassScores;
  /**
   * Classification: the predicted class (binary: derived from `score >= threshold` when absent;
   * multiclass: argmax of `scores` when absent). Regression: the predicted value.
   */
  readonly prediction?: string | number | boolean;
}

/** One observed prediction row, as fed to {@link ModelAggregator.observe}. */
export interface ObservedRow extends PredictionOutput {
  readonly features?: FeatureRow;
  readonly slices?: SliceValues;
  /** Default: the aggregator's `role`. */
  readonly role?: DeploymentRole;
  /** Per-feature attributions (e.g. SHAP values); the absolute value is recorded. */
  readonly attributions?: Readonly<Record<string, number>>;
  /**
   * An embedding vector of the row, with `projections.embedding`: only its random projections
   * are recorded (the vector itself is neither kept nor exported).
   */
  readonly embedding?: ArrayLike<number>;
}

/** One outcome (ground truth) with the prediction it belongs to. */
export interface OutcomeRow extends PredictionOutput {
  /** The true label (classification) or value (regression). Binary: true/false, 1/0, '1'/'0'. */
  readonly label: string | number | boolean;
  readonly slices?: SliceValues;
  readonly role?: DeploymentRole;
  /** Seconds between prediction and outcome, recorded in `ml.outcome.delay`. */
  readonly delaySeconds?: number;
}

/** Bounds on memory and cardinality. */
export interface AggregationLimits {
  /** Categories kept per categorical feature when not given by spec or baseline (default 32). */
  readonly maxCategories?: number;
  /** Predicted classes kept when not declared (default 64). */
  readonly maxClasses?: number;
  /** Outcome labels kept beyond the known classes (default 64). */
  readonly maxLabels?: number;
  /** Distinct values kept per slice key (default 32). */
  readonly maxSliceValues?: number;
  /** Attribute sets (role x slice values) kept; later ones fold into all-`__other__` slices (default 256). */
  readonly maxSeries?: number;
  /** Longer string values are not used as attribute values (counted as invalid, default 256). */
  readonly maxStringLength?: number;
  /** Distinct business metric names (default 32). */
  readonly maxBusinessMetrics?: number;
  /** Distinct `error.type` values (default 16). */
  readonly maxErrorTypes?: number;
  /** Unseen categorical values named at a time per feature in `ml.feature.category.unseen` (default 8; 0 names none). */
  readonly maxUnseenValues?: number;
  /** Undeclared feature names counted by name in `ml.feature.unknown` (default 16; later ones as `__other__`). */
  readonly maxUnknownFeatures?: number;
}

/** Kinds of input problems counted by the aggregator (never thrown). */
export type IssueKind =
  | 'unknown_feature'
  | 'invalid_value'
  | 'invalid_score'
  | 'invalid_label'
  | 'string_too_long'
  | 'unknown_slice_key'
  | 'series_overflow'
  | 'invalid_input'
  /** exportMode 'instruments' only: SDK histograms refuse negative values. */
  | 'negative_not_exportable';

export type AggregationStats = Readonly<Record<IssueKind, number>>;

export interface ModelAggregatorOptions {
  /** `framework` (`ml.model.framework`) is put on `ml.inference.duration` only. */
  readonly model: {
    readonly name: string;
    readonly version?: string;
    readonly task: ModelTask;
    readonly framework?: string;
  };
  /** Declared features. Default: the baseline's features (in file order). */
  readonly features?: readonly FeatureSpec[];
  /**
   * Optional: a baseline supplies the feature list (when `features` is absent), the categories of
   * categorical features, the class names, the model version and the regression output's
   * boundaries. Numeric features do not need it: without explicit boundaries they are exponential.
   */
  readonly baseline?: BaselineFile;
  /**
   * Maximum buckets per sign of the exponential histograms of numeric features without explicit
   * boundaries (integer >= 2). The scale starts at 20 and is lowered as values arrive until each
   * sign's range fits. Default {@link DEFAULT_EXPONENTIAL_MAX_BUCKETS}, 320 (twice the
   * OpenTelemetry SDK's 160), chosen by measurement: against scipy on raw rows of normal,
   * lognormal, Student t(3), exponential, uniform, bimodal, beta, Poisson and zero-inflated data,
   * 320 buckets meet every accuracy target in all 54 fixture cases and in at least 94% of fresh
   * 1,000-row samples, where 160 misses JS/Hellinger in 2 cases and, without drift, W1, JS or
   * Hellinger in up to 12% of samples (`npm run bench:accuracy`, processor/src/statistics/README.md);
   * `npm run bench:exponential` gives, at 10,000 rows, worst KS errors of 0.001 at both and worst
   * Wasserstein-1 errors of 0.2% / 0.4% (40 buckets 2.7%, 20 buckets 38%). The cost of `observe`
   * does not depend on it (the same index and add per value); an OTLP data point is about 450
   * bytes instead of 310 (median; at most 710 instead of 444), and a comparison in the processor
   * takes about 43 µs instead of 28.
   */
  readonly exponentialMaxBuckets?: number;
  /**
   * Classification: class labels, index-aligned with array `scores`. Binary: [negative, positive]
   * (default ['0', '1']); true/false/1/0 predictions and labels map to these names.
   */
  readonly classes?: readonly string[];
  /** Default `ml.deployment.role` (default 'primary'). */
  readonly role?: DeploymentRole;
  /** Allow-listed slice keys; values of other keys are ignored. */
  readonly slices?: readonly string[];
  readonly limits?: AggregationLimits;
  /** Binary classification: decision threshold for the predicted class (default 0.5). */
  readonly threshold?: number;
  /** `ml.prediction.value` boundaries (regression). Default: baseline's value histogram, else default. */
  readonly valueBoundaries?: readonly number[];
  /** `ml.business.value` boundaries. */
  readonly businessBoundaries?: readonly number[];
  /** Records random projections of the standardized numeric features (`ml.feature.projection`); off by default. */
  readonly projections?: ProjectionOptions;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly clock?: () => number;
  /** Called once for every new time series (used to mirror into SDK instruments). */
  readonly onCell?: (cell: Cell) => void;
  /** Called for every counted input problem (the monitor reports them via `diag`). */
  readonly onIssue?: (kind: IssueKind, detail: string) => void;
}

/** One histogram data point of a snapshot. */
export interface HistogramPoint {
  readonly attributes: MetricAttributes;
  /** Epoch ms: series creation (cumulative) or the previous delta read. */
  readonly startTimeMs: number;
  /** In delta snapshots `min`/`max` are absent (they cannot be derived from cumulative state). */
  readonly histogram: ExplicitHistogram;
}

/** One monotonic sum data point of a snapshot. */
export interface SumPoint {
  readonly attributes: MetricAttributes;
  readonly startTimeMs: number;
  readonly value: number;
}

/** One base-2 exponential histogram data point of a snapshot (numeric features without boundaries). */
export interface ExponentialHistogramPoint {
  readonly attributes: MetricAttributes;
  readonly startTimeMs: number;
  /** In delta snapshots `min`/`max` are absent; the scale is the series' current one. */
  readonly histogram: ExponentialHistogram;
}

export type SnapshotMetric =
  | {
      readonly name: string;
      readonly kind: 'histogram';
      readonly unit: string;
      readonly description: string;
      readonly points: HistogramPoint[];
    }
  | {
      readonly name: string;
      readonly kind: 'exponential_histogram';
      readonly unit: string;
      readonly description: string;
      readonly points: ExponentialHistogramPoint[];
    }
  | {
      readonly name: string;
      readonly kind: 'sum';
      readonly unit: string;
      readonly description: string;
      readonly points: SumPoint[];
    };

export type Temporality = 'cumulative' | 'delta';

/** Key suffix of a metric's exponential points when the same metric also has explicit ones. */
export const EXPONENTIAL_KEY_SUFFIX = '#exponential';

/** Plain-data view of an aggregator: metric name -> points (one per attribute set). */
export interface AggregationSnapshot {
  readonly model: { readonly name: string; readonly version?: string; readonly task: ModelTask };
  readonly temporality: Temporality;
  /** Epoch ms when the snapshot was taken. */
  readonly timeMs: number;
  /**
   * By metric name. A metric with points of both histogram kinds (numeric features with and
   * without explicit boundaries in one model) has its exponential points under
   * `<name>#exponential` ({@link EXPONENTIAL_KEY_SUFFIX}).
   */
  readonly metrics: Readonly<Record<string, SnapshotMetric>>;
  readonly stats: AggregationStats;
}

/**
 * Random projections of the standardized numeric features, for joint drift (`ml.feature.projection`;
 * the directions and the basis id: `projection.ts` in `@otel-ml/conventions`).
 */
export interface ProjectionOptions {
  /** Number of projections k (default 16, at most 256). */
  readonly count?: number;
  /** 32-bit seed of the directions (default 1). */
  readonly seed?: number;
  /** The projected numeric features, in order (default: every declared numeric feature). */
  readonly features?: readonly string[];
  /**
   * Standardization, by feature name: `center` (the reference mean) and `scale` (the reference
   * standard deviation, > 0). Give both to make the basis reproducible across restarts and
   * instances; without them they are learned from the first `learnRows` complete rows (mean and
   * standard deviation), and nothing is projected before that.
   */
  readonly center?: Readonly<Record<string, number>> | readonly number[];
  readonly scale?: Readonly<Record<string, number>> | readonly number[];
  /** Rows used to learn the standardization when `center`/`scale` are not given (default 1000). */
  readonly learnRows?: number;
  /**
   * Project the rows' `embedding` vectors of this dimension instead of the numeric features
   * (drift of an embedding without exporting it). The components are named "0".."dimension-1"
   * in the basis; `center`/`scale` are then arrays by component (or learned).
   */
  readonly embedding?: { readonly dimension: number };
}
