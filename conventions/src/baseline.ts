import type { ExplicitHistogram } from './histogram.js';

/** Version of the baseline file format written by `otel-ml baseline`. */
export const BASELINE_SCHEMA_VERSION = 1 as const;

export type ModelTask = 'binary_classification' | 'multiclass_classification' | 'regression' | 'ranking';

/** A numeric feature in a baseline. */
export interface NumericFeatureBaseline {
  readonly type: 'numeric';
  /**
   * Fine bucket boundaries from the reference data's quantiles (for KS and Wasserstein).
   * The live histograms of this feature use exactly these boundaries.
   */
  readonly boundaries: readonly number[];
  /**
   * Boundaries of the decile bins used by the binned statistics (PSI, KL, JS, Hellinger, chi-square).
   * Always a subset of `boundaries`, so fine buckets group into decile bins exactly.
   */
  readonly decileBoundaries: readonly number[];
  /** Reference histogram on `boundaries`. */
  readonly histogram: ExplicitHistogram;
  /** Rows where the feature was missing (null, empty, NA, NaN). */
  readonly missing: number;
}

/** A categorical feature in a baseline. */
export interface CategoricalFeatureBaseline {
  readonly type: 'categorical';
  /** Known categories, most frequent first. Live values outside this set count under {@link CATEGORY_OVERFLOW}. */
  readonly categories: readonly string[];
  /** Reference counts per category (including the overflow value when the reference had more categories than kept). */
  readonly counts: Readonly<Record<string, number>>;
  readonly missing: number;
}

export type FeatureBaseline = NumericFeatureBaseline | CategoricalFeatureBaseline;

/** The value that stands for every category outside a bounded, known set. */
export const CATEGORY_OVERFLOW = '__other__';

/** Reference distributions of the model's outputs and outcomes. */
export interface PredictionBaseline {
  /** Score histogram (binary classification: probability of the positive class) on the registry's score boundaries. */
  readonly score?: ExplicitHistogram;
  /** Regression output histogram. */
  readonly value?: ExplicitHistogram & { readonly boundaries: readonly number[] };
  /** Predicted-class counts. */
  readonly classes?: Readonly<Record<string, number>>;
}

export interface OutcomeBaseline {
  /** Score histograms split by the true label (binary: '0' and '1'). */
  readonly scoreByLabel?: Readonly<Record<string, ExplicitHistogram>>;
  /** Confusion counts: predicted class -> true label -> count. */
  readonly confusion?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Regression errors: count, sum of |error|, sum of error^2. */
  readonly regression?: { readonly count: number; readonly absErrorSum: number; readonly squaredErrorSum: number };
}

/** The file written by `otel-ml baseline` and read by the instrumentation and the processor. */
export interface BaselineFile {
  readonly schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  readonly model: { readonly name: string; readonly version?: string; readonly task: ModelTask };
  readonly createdAt: string;
  readonly source: {
    /** Rows read from the source. */
    readonly rows: number;
    /** SHA-256 of the source file's bytes, hex. */
    readonly sha256: string;
    readonly file?: string;
  };
  readonly features: Readonly<Record<string, FeatureBaseline>>;
  readonly prediction?: PredictionBaseline;
  readonly outcomes?: OutcomeBaseline;
}
