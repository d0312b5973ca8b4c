/**
 * The evaluation report: the JSON that `otel-ml report --format json` writes and the live
 * service computes per window. The shape is stable and documented in docs/report.md; fields
 * that do not apply are `null`, never absent.
 */
import type { ModelTask } from '@otel-ml/conventions';

export type { DriftDecision, DriftVerdict } from '../statistics/decide.js';
import type { DriftDecision } from '../statistics/decide.js';

export interface ChiSquareResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
}

/** Critical values: the value of each statistic above which the difference is significant at alpha, for these sample sizes. */
export interface CriticalValues {
  readonly psi: number | null;
  readonly kl: number | null;
  readonly jensenShannon: number | null;
  readonly hellinger: number | null;
  readonly ks: number | null;
  readonly chiSquare: number | null;
}

/** A bin of a distribution for plots and for "the bins that moved most". */
export interface BinShare {
  /** Bin label: "(a, b]" for numeric bins, the category for categorical ones. */
  readonly label: string;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly reference: number;
  readonly current: number;
}

export interface DistributionReport {
  readonly type: 'numeric' | 'categorical';
  /** Non-missing values in the current window. */
  readonly count: number;
  readonly referenceCount: number;
  readonly missingRate: number | null;
  readonly referenceMissingRate: number | null;
  readonly psi: number | null;
  readonly psiCritical: number | null;
  readonly kl: number | null;
  readonly jensenShannon: number | null;
  readonly hellinger: number | null;
  readonly ks: number | null;
  readonly ksPValue: number | null;
  readonly wasserstein: number | null;
  readonly chiSquare: ChiSquareResult | null;
  readonly critical: CriticalValues;
  /** 95% bootstrap interval of PSI for low-volume windows, else null. */
  readonly psiInterval: readonly [number, number] | null;
  readonly drift: DriftDecision;
  /** Categorical: current categories absent from the reference. */
  readonly unseenCategories: { readonly categories: readonly string[]; readonly count: number; readonly share: number } | null;
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
    readonly f1: number | null;
    readonly rocAuc: number | null;
    readonly mae: number | null;
    readonly rmse: number | null;
  };
}

export interface ModelReport {
  readonly model: { readonly name: string; readonly version: string | null; readonly task: ModelTask | null; readonly role: string };
  readonly window: { readonly start: string; readonly end: string } | null;
  readonly reference: { readonly kind: 'baseline' | 'pinned' | 'rolling'; readonly count: number };
  readonly current: { readonly count: number; readonly errors: number };
  /** `insufficient_data` when the current window has fewer rows than the minimum. */
  readonly status: 'ok' | 'insufficient_data';
  readonly settings: { readonly alpha: number; readonly minRows: number; readonly minPsi: number; readonly minJensenShannon: number; readonly threshold: number };
  readonly features: Readonly<Record<string, DistributionReport>>;
  /** Drifted features, most severe first. */
  readonly drifted: readonly string[];
  readonly prediction: {
    readonly score: DistributionReport | null;
    readonly classes: DistributionReport | null;
    readonly value: DistributionReport | null;
  };
  readonly calibration: CalibrationReport | null;
  readonly performance: PerformanceReport | null;
  readonly latency: { readonly count: number; readonly p50: number | null; readonly p95: number | null; readonly p99: number | null } | null;
}
