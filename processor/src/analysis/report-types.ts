/**
 * The evaluation report: the JSON that `otel-ml report --format json` writes and the live
 * service computes per window. The shape is stable and documented in docs/report.md; fields
 * that do not apply are `null`, never absent.
 */
import type { ModelTask } from '@otel-ml/conventions';

export type { DriftDecision, DriftVerdict } from '../statistics/decide.js';
import type { DriftDecision } from '../statistics/decide.js';
import type { Disparity, SliceMetrics } from '../statistics/fairness.js';
import type { ChangeTest } from '../statistics/verdicts.js';
import type { DriftStatisticFields, DriftTestResult, ReportCriticalValues } from '../statistics/registry.js';

export type { ChangeTest, ChangeVerdict } from '../statistics/verdicts.js';

/** A test's statistic, degrees of freedom and p-value (`chiSquare`). */
export type ChiSquareResult = DriftTestResult;

/**
 * Critical values: the value of each statistic above which the difference is significant at
 * alpha, for these sample sizes (null for a statistic the comparison could not compute).
 */
export type CriticalValues = ReportCriticalValues;

/** A bin of a distribution for plots and for "the bins that moved most". */
export interface BinShare {
  /** Bin label: "(a, b]" for numeric bins, the category for categorical ones. */
  readonly label: string;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly reference: number;
  readonly current: number;
  /**
   * On the bins that moved most, with trace samples on: sampled predictions of the window that
   * fell in the bin (their spans' trace ids), newest first; empty when none did (a bin that
   * emptied, or, for features, spans without feature events).
   */
  readonly traces?: readonly TraceRef[];
}

/** A sampled prediction span: where to look for one prediction of a bin. */
export interface TraceRef {
  readonly traceId: string;
  readonly spanId: string;
  /** The value of the score or feature the prediction had (as the span carried it). */
  readonly value: string;
  /** End of the span, ms since the epoch. */
  readonly timeMs: number;
}

/**
 * One distribution (a feature, the score, the classes, the regression output, an attribution)
 * against its reference. The statistics' fields (`psi`, `psiCritical`, `kl`, `jensenShannon`,
 * `hellinger`, `ks`, `ksPValue`, `wasserstein`, `chiSquare`) come from the registry of drift
 * statistics (statistics/registry.ts).
 */
export interface DistributionReport extends DriftStatisticFields {
  readonly type: 'numeric' | 'categorical';
  /** Non-missing values in the current window. */
  readonly count: number;
  readonly referenceCount: number;
  readonly missingRate: number | null;
  readonly referenceMissingRate: number | null;
  readonly critical: CriticalValues;
  /** 95% bootstrap interval of PSI for low-volume windows, else null. */
  readonly psiInterval: readonly [number, number] | null;
  readonly drift: DriftDecision;
  /** Categorical: current categories absent from the reference. */
  readonly unseenCategories: {
    readonly categories: readonly string[];
    readonly count: number;
    readonly share: number;
  } | null;
  /** Shares per decile bin (numeric) or category (categorical), for plots. */
  readonly bins: readonly BinShare[];
  /** Bins whose share moved most, largest first (at most 3). */
  readonly topMovers: readonly BinShare[];
  /** Why statistics are missing, when they are. */
  readonly note: string | null;
}

export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly meanPredicted: number | null;
  readonly observedRate: number | null;
}

export interface CalibrationReport {
  readonly ece: number | null;
  readonly mce: number | null;
  readonly brier: number | null;
  readonly count: number;
  readonly bins: readonly CalibrationBin[];
}

export interface PerformanceReport {
  /** Predictions with a known outcome in the window. */
  readonly count: number;
  readonly threshold: number | null;
  readonly accuracy: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly rocAuc: number | null;
  readonly mae: number | null;
  readonly rmse: number | null;
  /** Multiclass: macro-averaged F1 (also in `f1`). */
  readonly macroF1: number | null;
  /** Reference values of the same metrics, when the reference has outcomes. */
  readonly reference: {
    readonly accuracy: number | null;
    /** Binary classifiers (absent in reports from before this field). */
    readonly precision: number | null;
    readonly recall: number | null;
    readonly f1: number | null;
    readonly rocAuc: number | null;
    readonly mae: number | null;
    readonly rmse: number | null;
  };
}

/** Performance estimated from the score distribution alone (confidence-based, CBPE). */
export interface EstimatedPerformanceReport {
  readonly method: 'cbpe';
  /** Scored rows in the current window. */
  readonly count: number;
  readonly threshold: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly rocAuc: number | null;
  /** 95% band of the realized accuracy around the estimate if the calibration map holds. */
  readonly accuracyInterval: readonly [number, number];
  /** Reference rows with outcomes that the calibration map was learnt from. */
  readonly referenceOutcomes: number;
  /**
   * Realized values on the window's outcomes (binary, with a score), for comparison; null without
   * outcomes. Precision, recall and F1 are absent in reports from before these fields.
   */
  readonly realized: {
    readonly count: number;
    readonly accuracy: number | null;
    readonly precision: number | null;
    readonly recall: number | null;
    readonly f1: number | null;
    readonly rocAuc: number | null;
  } | null;
}

/** One slice value's metrics and a group disparity (see statistics/fairness.ts). */
export type SliceReport = SliceMetrics;
export type DisparityReport = Disparity;

/** Fairness across the values of one slice key. */
export interface SliceKeyFairness {
  readonly slices: readonly SliceReport[];
  readonly demographicParityDifference: DisparityReport | null;
  readonly equalOpportunityDifference: DisparityReport | null;
  readonly disparateImpactRatio: DisparityReport | null;
}

export interface FairnessReport {
  readonly threshold: number;
  readonly minCount: number;
  readonly alpha: number;
  /** By slice key (the `<key>` of `ml.slice.<key>`). */
  readonly keys: Readonly<Record<string, SliceKeyFairness>>;
  /** "key: disparity" for every violated disparity. */
  readonly violations: readonly string[];
}

export type ComparisonVerdict = 'no_difference' | 'candidate_better' | 'candidate_worse' | 'insufficient_data';

/** A candidate deployment (canary or shadow) against the primary of the same model in the same window. */
export interface ComparisonReport {
  readonly primary: { readonly version: string | null; readonly role: string; readonly count: number };
  readonly candidate: { readonly version: string | null; readonly role: string; readonly count: number };
  readonly verdict: ComparisonVerdict;
  /** Why, one sentence per finding. */
  readonly reasons: readonly string[];
  readonly alpha: number;
  /** Score distribution of the candidate against the primary's (deciles of the primary). */
  readonly score: {
    readonly jensenShannon: number;
    readonly psi: number;
    readonly ks: number;
    readonly pValue: number;
  } | null;
  /** Predicted-class proportions of the candidate against the primary's. */
  readonly classes: { readonly jensenShannon: number; readonly pValue: number } | null;
  /** Share of row-level comparisons that agreed (ml.shadow.agreement), when recorded. */
  readonly agreement: { readonly rate: number; readonly count: number; readonly errors: number } | null;
  readonly latency: {
    readonly primaryMean: number;
    readonly candidateMean: number;
    /** Candidate mean minus primary mean, seconds. */
    readonly difference: number;
    readonly primaryP95: number | null;
    readonly candidateP95: number | null;
    /** KS test of the two latency histograms. */
    readonly pValue: number;
  } | null;
  readonly errors: {
    readonly primaryRate: number;
    readonly candidateRate: number;
    readonly difference: number;
    readonly pValue: number;
  } | null;
  /** Realized performance when both have outcomes: candidate minus primary. */
  readonly performance: {
    readonly accuracy: {
      readonly primary: number;
      readonly candidate: number;
      readonly difference: number;
      readonly pValue: number;
    } | null;
    readonly rocAuc: {
      readonly primary: number;
      readonly candidate: number;
      readonly difference: number;
      readonly pValue: number;
    } | null;
  } | null;
}

/** Per-feature attribution magnitude (mean |attribution|) and its shift against the reference. */
export interface AttributionFeatureReport {
  readonly count: number;
  readonly meanAbsolute: number | null;
  readonly referenceMeanAbsolute: number | null;
  /** meanAbsolute - referenceMeanAbsolute. */
  readonly shift: number | null;
  /** shift / referenceMeanAbsolute. */
  readonly relativeShift: number | null;
  /** Drift of the attribution distribution (null without a reference distribution). */
  readonly distribution: DistributionReport | null;
}

export interface AttributionReport {
  readonly features: Readonly<Record<string, AttributionFeatureReport>>;
  /** Features by |shift|, largest first (those with a reference). */
  readonly ranking: readonly string[];
}

export type RetrainReason = 'drift' | 'performance' | 'baseline_age';

export interface RetrainReport {
  readonly recommended: boolean;
  readonly reasons: readonly RetrainReason[];
  /** One sentence per reason. */
  readonly details: readonly string[];
  /** Consecutive evaluated windows with drift, this one included. */
  readonly driftWindows: number;
  readonly accuracy: number | null;
  readonly accuracySource: 'realized' | 'estimated' | null;
  readonly baselineAgeMs: number | null;
}

/** What a verdict is about (the `ml.verdict.check` attribute of the `ml.verdict` gauges). */
export type CheckName =
  | 'feature_drift'
  | 'score_drift'
  | 'class_drift'
  | 'accuracy'
  | 'roc_auc'
  | 'calibration'
  | 'predicted_share'
  | 'missing'
  | 'invalid_value'
  | 'out_of_range'
  | 'new_category'
  | 'unknown_feature'
  | 'business_value'
  | 'joint_drift';

/** One verdict of the window, and how long it has held. */
export interface CheckEntry {
  readonly check: CheckName;
  /** The feature (feature_drift, missing, invalid_value, out_of_range, new_category, unknown_feature), else null. */
  readonly feature: string | null;
  /** The predicted class (predicted_share), else null. */
  readonly class: string | null;
  /** The business metric (business_value), else null. */
  readonly metric: string | null;
  /** drift / no_drift, degraded / no_degradation, shift / no_shift, spike / no_spike, or insufficient_data. */
  readonly verdict: string;
  /** True when the verdict flags the window (drift, degraded, shift, spike); null for insufficient_data. */
  readonly flagged: boolean | null;
  /** Consecutive evaluated windows with this same verdict, this one included (1 offline). */
  readonly windows: number;
  /** Start of the first of those windows (null offline). */
  readonly since: string | null;
}

/**
 * Per-window verdicts beyond drift (statistics/verdicts.ts), and every verdict of the window in
 * one list with the number of consecutive windows it has held: what alerts fire on.
 */
export interface VerdictsReport {
  readonly alpha: number;
  /** Accuracy against the reference's (one-sided two-proportion z-test). */
  readonly accuracy: ChangeTest | null;
  /** ROC AUC against the reference's (DeLong). */
  readonly rocAuc: ChangeTest | null;
  /** ECE against what a window of this size calibrated as the reference shows (bootstrap). */
  readonly calibration: ChangeTest | null;
  /** Share of rows predicted as each class against the reference's share (Fisher's exact test). */
  readonly predictedShare: Readonly<Record<string, ChangeTest>>;
  /** Missing-value rate of each feature against the reference's (Fisher's exact test). */
  readonly missing: Readonly<Record<string, ChangeTest>>;
  /** Every verdict of the window, drift ones included. */
  readonly checks: readonly CheckEntry[];
}

/** What a window is compared with (`ml.drift.reference`). */
export type ReferenceKindName = 'baseline' | 'pinned' | 'rolling' | 'seasonal';

/** The reference a window was compared with. */
export interface ReferenceReport {
  /** The kind used. */
  readonly kind: ReferenceKindName;
  /** Rows in the reference. */
  readonly count: number;
  /** The kind configured (differs from `kind` while a seasonal reference falls back). */
  readonly requested: ReferenceKindName;
  /** Why `kind` is not `requested`; null when it is. */
  readonly fallback: string | null;
  /** The production window(s) the reference is made of; null for a baseline. */
  readonly window: { readonly start: string; readonly end: string } | null;
  /** A canary's or shadow's reference is its primary's: that primary; null otherwise. */
  readonly of: { readonly version: string | null; readonly role: string } | null;
}

/** One business metric of a window against the reference (analysis/business.ts). */
export interface BusinessMetricReport {
  /** Predictions of the window the values are spread over (those without a value count as 0). */
  readonly predictions: number;
  /** Sum of the window's values. */
  readonly total: number;
  /** total / predictions. */
  readonly mean: number | null;
  readonly referencePredictions: number;
  readonly referenceTotal: number | null;
  readonly referenceMean: number | null;
  /** mean - referenceMean. */
  readonly difference: number | null;
  /** difference / |referenceMean|. */
  readonly relativeChange: number | null;
  /** total - referenceMean x predictions: what the window made against the reference's rate. */
  readonly totalDifference: number | null;
  /** The verdict (Welch's t-test of the means per prediction; statistics/business-verdict.ts). */
  readonly test: ChangeTest;
}

export interface BusinessReport {
  /** By `ml.business.metric`. */
  readonly metrics: Readonly<Record<string, BusinessMetricReport>>;
}

/** Values of a numeric feature outside the reference's observed range (statistics/out-of-range.ts). */
export interface OutOfRangeReport {
  /** The reference's observed [min, max]; when not known exactly, the outer edges of its outermost non-empty buckets. */
  readonly range: readonly [number, number];
  /** The range is the reference's exact min and max. */
  readonly exact: boolean;
  /** Window values below / above the range: [at least, at most] (equal unless buckets straddle an edge). */
  readonly below: readonly [number, number];
  readonly above: readonly [number, number];
  /** Window values of the feature. */
  readonly count: number;
  /** `spike`: the share outside rose beyond the limit; `insufficient_resolution` when the buckets cannot tell. */
  readonly test: ChangeTest;
}

/** Values of a categorical feature in categories the reference does not know. */
export interface NewCategoryReport {
  /** Window values in categories unknown to the reference (the sender's `__other__` included). */
  readonly count: number;
  readonly share: number | null;
  /** Categories the window names that the reference does not have, most frequent first (at most 10). */
  readonly categories: readonly { readonly value: string; readonly count: number }[];
  /** The most frequent values the sender folded into `__other__`, as it named them (at most 5; never for a sensitive feature). */
  readonly unseen: readonly { readonly value: string; readonly count: number }[];
  readonly test: ChangeTest;
}

export interface DataQualityFeatureReport {
  /** Share of rows with a value of the wrong type against the reference's. */
  readonly invalid: ChangeTest;
  /** Numeric features. */
  readonly outOfRange: OutOfRangeReport | null;
  /** Categorical features. */
  readonly newCategory: NewCategoryReport | null;
}

/** A feature the reference does not know: sent as a feature, or seen by the sender as an undeclared key. */
export interface UnknownFeatureReport {
  readonly name: string;
  /** Rows with it (for `sender`: the rows the sender checked, about 1 in 64). */
  readonly rows: number;
  readonly source: 'window' | 'sender';
}

/** Data quality of the window against the reference (analysis/data-quality.ts); missing values are under `verdicts.missing`. */
export interface DataQualityReport {
  readonly features: Readonly<Record<string, DataQualityFeatureReport>>;
  readonly unknownFeatures: readonly UnknownFeatureReport[];
}

/**
 * The verdict of a distribution whose reference could not be cut into at least two bins (a
 * constant feature, or explicit buckets too coarse for its deciles) and whose fallback statistic
 * (KS on the finest common buckets) did not decide either: neither flagged nor cleared. The
 * reason is in `drift.reasons`.
 */
export const INSUFFICIENT_RESOLUTION = 'insufficient_resolution' as const;

/** Whether a distribution's verdict is {@link INSUFFICIENT_RESOLUTION}. */
export function isInsufficientResolution(d: DistributionReport): boolean {
  return d.drift.verdict === INSUFFICIENT_RESOLUTION;
}

/**
 * The features of a report whose verdict is {@link INSUFFICIENT_RESOLUTION}, sorted (computed from
 * the features, so reports stored before the field existed give it too).
 */
export function unresolvedFeatures(r: Pick<ModelReport, 'features'>): string[] {
  return Object.keys(r.features)
    .filter((n) => isInsufficientResolution(r.features[n]!))
    .sort();
}

/** One distribution (a feature or the score) of one slice value (see analysis/slice-drift.ts). */
export interface SliceSignalDrift {
  readonly verdict: DriftDecision['verdict'];
  readonly pValue: number | null;
  /** Benjamini-Hochberg-adjusted across every (slice value, feature or score) test of the slice key. */
  readonly adjustedPValue: number | null;
  readonly psi: number | null;
  readonly jensenShannon: number | null;
  readonly count: number;
  readonly referenceCount: number;
  readonly reasons: readonly string[];
}

/** One slice value's drift. */
export interface SliceDriftValue {
  readonly slice: string;
  /** Rows of the slice in the window and in the reference. */
  readonly count: number;
  readonly referenceCount: number;
  /** `insufficient_data` when either side has fewer than `minRows` rows (then no verdict is `no_drift`). */
  readonly status: 'ok' | 'insufficient_data';
  readonly reason: string | null;
  readonly features: Readonly<Record<string, SliceSignalDrift>>;
  readonly score: SliceSignalDrift | null;
  /** Features (and `score`) that drifted in this slice, largest PSI first. */
  readonly drifted: readonly string[];
  /**
   * The slice's share of the overall total variation movement of the `basis` distributions
   * (statistics/slice-contribution.ts; the shares of a key sum to 1, a slice that moved against
   * the overall movement has a negative one); null when nothing drifted.
   */
  readonly share: number | null;
}

/** Drift per value of one slice key. */
export interface SliceKeyDrift {
  /** Ranked: largest share of the movement first (by name when nothing drifted). */
  readonly slices: readonly SliceDriftValue[];
  /** Tests in the key's Benjamini-Hochberg family (slices with enough rows x their features and score). */
  readonly tested: number;
  /** The distributions whose movement is ranked: those that drifted overall or in a slice of this key. */
  readonly basis: readonly string[];
  /** Drifted distributions left out of the ranking (their slices could not be put on the overall bins). */
  readonly unranked: readonly string[];
  /** The slice explaining most of the movement, when something drifted; else null. */
  readonly located: string | null;
}

export interface SliceDriftReport {
  readonly minRows: number;
  readonly alpha: number;
  /** By slice key (the `<key>` of `ml.slice.<key>`). */
  readonly keys: Readonly<Record<string, SliceKeyDrift>>;
  /** Per key with a ranking, the slice that explains most of the movement, largest share first. */
  readonly located: readonly {
    readonly key: string;
    readonly slice: string;
    readonly share: number;
    readonly drifted: readonly string[];
  }[];
}

/** One projection's comparison in {@link JointDriftReport}. */
export interface JointProjectionReport {
  readonly psi: number | null;
  readonly jensenShannon: number | null;
  readonly ks: number | null;
  /** W1 in standardized units. */
  readonly wasserstein: number | null;
  readonly pValue: number | null;
  /** After Benjamini-Hochberg across the projections. */
  readonly adjustedPValue: number | null;
  readonly verdict: DriftDecision['verdict'];
}

/** Joint drift from the random projections of the numeric features (analysis/joint.ts). */
export interface JointDriftReport {
  /** `ml.feature.projection.basis` of the current window (null when it has none). */
  readonly basis: string | null;
  /** Projections compared. */
  readonly projections: number;
  /** Projected rows in the current window and in the reference. */
  readonly count: number;
  readonly referenceCount: number;
  /** Mean per-projection W1 (standardized units); null when not computed. */
  readonly slicedWasserstein: number | null;
  readonly maxWasserstein: number | null;
  /** drift when at least one projection drifted; insufficient_data with the reason when it cannot be decided. */
  readonly drift: DriftDecision;
  /** Drifted projection indices, largest W1 first. */
  readonly drifted: readonly string[];
  readonly byProjection: Readonly<Record<string, JointProjectionReport>>;
}

export interface ModelReport {
  readonly model: {
    readonly name: string;
    readonly version: string | null;
    readonly task: ModelTask | null;
    readonly role: string;
  };
  /**
   * `partial` (only when it is): why the window lacks part of its data, e.g. a model routed to
   * this instance in its course (docs/scale-out.md): 'joined', 'resumed', 'left'. Its verdicts are
   * on the rows it has, a true part of the period.
   */
  readonly window: { readonly start: string; readonly end: string; readonly partial?: readonly string[] } | null;
  readonly reference: ReferenceReport;
  readonly current: { readonly count: number; readonly errors: number };
  /** `insufficient_data` when the current window has fewer rows than the minimum. */
  readonly status: 'ok' | 'insufficient_data';
  readonly settings: {
    readonly alpha: number;
    readonly minRows: number;
    readonly minPsi: number;
    readonly minJensenShannon: number;
    readonly threshold: number;
  };
  readonly features: Readonly<Record<string, DistributionReport>>;
  /** Drifted features, most severe first. */
  readonly drifted: readonly string[];
  /**
   * Features whose verdict is `insufficient_resolution` (their reference could not be binned and
   * the fallback did not decide): neither flagged nor cleared, sorted by name.
   */
  readonly insufficientResolution: readonly string[];
  readonly prediction: {
    readonly score: DistributionReport | null;
    readonly classes: DistributionReport | null;
    readonly value: DistributionReport | null;
  };
  readonly calibration: CalibrationReport | null;
  readonly performance: PerformanceReport | null;
  readonly latency: {
    readonly count: number;
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  } | null;
  /** Binary classifiers with reference outcomes: performance estimated without labels. */
  readonly estimated: EstimatedPerformanceReport | null;
  /** Per-slice metrics and disparities, when the window carries allow-listed slices with outcomes. */
  readonly fairness: FairnessReport | null;
  /** Features and score per value of each allow-listed slice key, and where the drift moved (analysis/slice-drift.ts). */
  readonly sliceDrift: SliceDriftReport | null;
  /** On a canary or shadow report: the comparison with the primary of the same window. */
  readonly comparison: ComparisonReport | null;
  /** When feature attributions are recorded. */
  readonly attribution: AttributionReport | null;
  /** Live service: the retraining recommendation after this window. */
  readonly retrain: RetrainReport | null;
  /** Verdicts on performance, calibration, predicted-class shares and missing values, and all checks with how long they held. */
  readonly verdicts: VerdictsReport | null;
  /** Business values (`ml.business.value`) against the reference; null when the window records none. */
  readonly business: BusinessReport | null;
  /** Values of the wrong type, outside the reference's range, in unknown categories; unknown features. */
  readonly dataQuality: DataQualityReport | null;
  /** Joint drift from `ml.feature.projection`; null (or absent) when no projections are recorded. */
  readonly joint?: JointDriftReport | null;
}

/** The summary of a run of windows of one model (see analysis/run.ts). Window numbers are 1-based, oldest first. */
export interface RunSummary {
  /** Windows in the run. */
  readonly windows: number;
  /** Windows where a feature or a prediction signal drifted. */
  readonly driftedWindows: readonly number[];
  /** Windows with fewer rows than the minimum (nothing flagged). */
  readonly insufficientWindows: readonly number[];
  /** The window whose report is the multi-window report's own fields, and why it was chosen. */
  readonly detail: { readonly window: number; readonly reason: string };
  /**
   * The retraining recommendation after the last window: its details, and the first window of the
   * run of windows that recommended it up to the last one (null when the last does not); null
   * when the windows carry no recommendation (offline reports of one window).
   */
  readonly retrain: {
    readonly recommended: boolean;
    readonly since: number | null;
    readonly details: readonly string[];
  } | null;
}

/**
 * A report over several windows (the demo's, `otel-ml report --time-column`): the fields of a
 * single-window report describe the worst window (`run.detail`), `run` summarizes the run and
 * `windows` holds every window's report, oldest first.
 */
export interface MultiWindowReport extends ModelReport {
  readonly run: RunSummary;
  readonly windows: readonly ModelReport[];
}
