/**
 * Results back into the user's stack: the latest evaluation of each model as OpenTelemetry gauges
 * (exported over OTLP and/or scraped by Prometheus), one OTLP log record per drift detection
 * (event `ml.drift.detected`), and the processor's own health metrics.
 */
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import {
  ATTR_ML_ATTRIBUTION_FEATURES,
  ATTR_ML_CANARY_PRIMARY_VERSION,
  ATTR_ML_CANARY_VERDICT,
  ATTR_ML_FAIRNESS_DISPARITY,
  ATTR_ML_FAIRNESS_SLICE_KEY,
  ATTR_ML_RETRAIN_DETAILS,
  ATTR_ML_RETRAIN_REASON,
  ATTR_ML_RETRAIN_REASONS,
  ATTR_ML_SLICE,
  ATTR_ML_DRIFT_SLICE_KEY,
  EVENT_ML_RETRAIN_RECOMMENDED,
  METRIC_ML_DRIFT_SLICE_DETECTED,
  METRIC_ML_DRIFT_SLICE_PSI,
  METRIC_ML_DRIFT_SLICE_SHARE,
  METRIC_ML_ATTRIBUTION_MEAN_ABSOLUTE,
  METRIC_ML_ATTRIBUTION_SHIFT,
  METRIC_ML_CANARY_ACCURACY_DIFFERENCE,
  METRIC_ML_CANARY_AGREEMENT,
  METRIC_ML_CANARY_ERROR_RATE_DIFFERENCE,
  METRIC_ML_CANARY_LATENCY_DIFFERENCE,
  METRIC_ML_CANARY_ROC_AUC_DIFFERENCE,
  METRIC_ML_CANARY_SCORE_JENSEN_SHANNON,
  METRIC_ML_CANARY_SCORE_P_VALUE,
  METRIC_ML_CANARY_VERDICT,
  METRIC_ML_FAIRNESS_ACCURACY,
  METRIC_ML_FAIRNESS_CALIBRATION_ERROR,
  METRIC_ML_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
  METRIC_ML_FAIRNESS_DISPARATE_IMPACT_RATIO,
  METRIC_ML_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE,
  METRIC_ML_FAIRNESS_FALSE_POSITIVE_RATE,
  METRIC_ML_FAIRNESS_POSITIVE_RATE,
  METRIC_ML_FAIRNESS_TRUE_POSITIVE_RATE,
  METRIC_ML_FAIRNESS_VIOLATION,
  METRIC_ML_PERFORMANCE_ESTIMATED_ACCURACY,
  METRIC_ML_PERFORMANCE_ESTIMATED_F1,
  METRIC_ML_PERFORMANCE_ESTIMATED_PRECISION,
  METRIC_ML_PERFORMANCE_ESTIMATED_RECALL,
  METRIC_ML_PERFORMANCE_ESTIMATED_ROC_AUC,
  METRIC_ML_RETRAIN_RECOMMENDED,
  ML_DRIFT_SIGNAL_VALUE_ATTRIBUTION,
  ATTR_ML_CALIBRATION_BIN_UPPER,
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_DRIFT_FEATURES,
  ATTR_ML_DRIFT_REFERENCE,
  ATTR_ML_DRIFT_SIGNAL,
  ATTR_ML_DRIFT_STATISTIC,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_PROCESSOR_DROP_REASON,
  ATTR_ML_WINDOW_CURRENT_COUNT,
  ATTR_ML_WINDOW_END,
  ATTR_ML_WINDOW_REFERENCE_COUNT,
  ATTR_ML_WINDOW_START,
  ATTR_ML_DRIFT_DETAILS,
  EVENT_ML_DRIFT_DETECTED,
  METRIC_ML_CALIBRATION_BRIER,
  METRIC_ML_CALIBRATION_ECE,
  METRIC_ML_CALIBRATION_MCE,
  METRIC_ML_CALIBRATION_OBSERVED_RATE,
  METRIC_ML_DRIFT_CRITICAL_VALUE,
  METRIC_ML_DRIFT_DETECTED,
  METRIC_ML_DRIFT_INSUFFICIENT_RESOLUTION,
  METRIC_ML_DRIFT_WASSERSTEIN,
  METRIC_ML_FEATURE_MISSING_RATIO,
  METRIC_ML_PERFORMANCE_ACCURACY,
  METRIC_ML_PERFORMANCE_F1,
  METRIC_ML_PERFORMANCE_MAE,
  METRIC_ML_PERFORMANCE_PRECISION,
  METRIC_ML_PERFORMANCE_RECALL,
  METRIC_ML_PERFORMANCE_RMSE,
  METRIC_ML_PERFORMANCE_REFERENCE_ACCURACY,
  METRIC_ML_PERFORMANCE_REFERENCE_F1,
  METRIC_ML_PERFORMANCE_REFERENCE_MAE,
  METRIC_ML_PERFORMANCE_REFERENCE_RMSE,
  METRIC_ML_PERFORMANCE_REFERENCE_ROC_AUC,
  METRIC_ML_PERFORMANCE_ROC_AUC,
  METRIC_ML_PROCESSOR_EVALUATION_DURATION,
  METRIC_ML_PROCESSOR_EVALUATION_DURATION_BUCKETS,
  METRIC_ML_PROCESSOR_EXPORT_FAILURES,
  METRIC_ML_PROCESSOR_MODEL_IDLE,
  METRIC_ML_PROCESSOR_EVALUATION_LAG,
  METRIC_ML_PROCESSOR_POINTS_DROPPED,
  METRIC_ML_PROCESSOR_POINTS_RECEIVED,
  METRIC_ML_PROCESSOR_STREAMS,
  METRIC_ML_WINDOW_COUNT,
  ML_DRIFT_SIGNAL_VALUE_CLASS,
  ML_DRIFT_SIGNAL_VALUE_FEATURE,
  ML_DRIFT_SIGNAL_VALUE_SCORE,
  ML_DRIFT_SIGNAL_VALUE_VALUE,
  ML_DRIFT_SIGNAL_VALUE_JOINT,
  ATTR_ERROR_TYPE,
  ATTR_ML_PREDICTION_CLASS,
  ATTR_ML_VERDICT_CHECK,
  METRIC_ML_PREDICTION_REFERENCE_SHARE,
  METRIC_ML_PREDICTION_SHARE,
  METRIC_ML_VERDICT_DURATION,
  METRIC_ML_VERDICT_FLAGGED,
  METRIC_ML_VERDICT_WINDOWS,
  METRIC_ML_WINDOW_END_TIME,
  ATTR_ML_DRIFT_BIN,
  METRIC_ML_DRIFT_BIN_SHIFT,
  ATTR_ML_BUSINESS_METRIC,
  EVENT_ML_DATA_QUALITY_DETECTED,
  EVENT_ML_RETRAIN_REVIEW,
} from '@otel-ml/conventions';
import {
  isInsufficientResolution,
  unresolvedFeatures,
  type DistributionReport,
  type ModelReport,
  type SliceSignalDrift,
} from '../analysis/report-types.js';
import { QUALITY_GAUGES, dataQualityEvent, qualityPoints } from './emit-quality.js';
import { windowEventAttributes } from './event-attributes.js';
import { reviewEvent } from './emit-review.js';
import { binTraces, scoreSamplesDetail, traceIdsAttribute } from './emit-samples.js';
import type { ProcessorStats } from '../streams/processor.js';
import { DRIFT_STATISTICS, readDriftStatistic, type DriftStatistic } from '../statistics/registry.js';
import type { RetrainingRecord } from '../store/retraining.js';

type GaugeName = string;

interface Point {
  readonly metric: GaugeName;
  readonly value: number;
  readonly attributes: Attributes;
}

/** The gauges of the drift statistics (statistics/registry.ts): each statistic's, then its p-value's. */
type DriftGauge = readonly [GaugeName, string, (d: DistributionReport) => number | null];
const DRIFT_GAUGES: readonly DriftGauge[] = DRIFT_STATISTICS.flatMap((s): DriftGauge[] => [
  [s.metric, s.description, (d) => readDriftStatistic(s, d).value],
  ...(s.pValue
    ? [[s.pValue.metric, s.pValue.description, (d: DistributionReport) => readDriftStatistic(s, d).pValue] as const]
    : []),
]);

/** The statistics with a critical value (`ml.drift.critical_value` by `ml.drift.statistic`). */
const CRITICAL: readonly DriftStatistic[] = DRIFT_STATISTICS.filter((s) => s.critical !== null);

const RESULT_GAUGES: readonly [GaugeName, string][] = [
  ...DRIFT_GAUGES.map(([name, description]): [GaugeName, string] => [name, description]),
  [METRIC_ML_DRIFT_CRITICAL_VALUE, 'Critical value of a drift statistic at alpha'],
  [METRIC_ML_DRIFT_DETECTED, '1 when drift was detected'],
  [METRIC_ML_DRIFT_INSUFFICIENT_RESOLUTION, '1 when the reference could not be binned and no statistic decided'],
  [METRIC_ML_FEATURE_MISSING_RATIO, 'Share of rows with the feature missing'],
  [METRIC_ML_CALIBRATION_ECE, 'Expected calibration error'],
  [METRIC_ML_CALIBRATION_MCE, 'Maximum calibration error'],
  [METRIC_ML_CALIBRATION_BRIER, 'Brier score'],
  [METRIC_ML_CALIBRATION_OBSERVED_RATE, 'Observed positive rate per calibration bin'],
  [METRIC_ML_PERFORMANCE_ACCURACY, 'Accuracy'],
  [METRIC_ML_PERFORMANCE_PRECISION, 'Precision'],
  [METRIC_ML_PERFORMANCE_RECALL, 'Recall'],
  [METRIC_ML_PERFORMANCE_F1, 'F1'],
  [METRIC_ML_PERFORMANCE_ROC_AUC, 'ROC AUC'],
  [METRIC_ML_PERFORMANCE_MAE, 'Mean absolute error'],
  [METRIC_ML_PERFORMANCE_RMSE, 'Root mean squared error'],
  [METRIC_ML_PERFORMANCE_REFERENCE_ACCURACY, 'Accuracy of the reference'],
  [METRIC_ML_PERFORMANCE_REFERENCE_F1, 'F1 of the reference'],
  [METRIC_ML_PERFORMANCE_REFERENCE_ROC_AUC, 'ROC AUC of the reference'],
  [METRIC_ML_PERFORMANCE_REFERENCE_MAE, 'Mean absolute error of the reference'],
  [METRIC_ML_PERFORMANCE_REFERENCE_RMSE, 'Root mean squared error of the reference'],
  [METRIC_ML_WINDOW_COUNT, 'Rows in the latest window'],
  [METRIC_ML_PERFORMANCE_ESTIMATED_ACCURACY, 'Accuracy estimated from the score distribution (CBPE)'],
  [METRIC_ML_PERFORMANCE_ESTIMATED_PRECISION, 'Precision estimated from the score distribution (CBPE)'],
  [METRIC_ML_PERFORMANCE_ESTIMATED_RECALL, 'Recall estimated from the score distribution (CBPE)'],
  [METRIC_ML_PERFORMANCE_ESTIMATED_F1, 'F1 estimated from the score distribution (CBPE)'],
  [METRIC_ML_PERFORMANCE_ESTIMATED_ROC_AUC, 'ROC AUC estimated from the score distribution (CBPE)'],
  [METRIC_ML_FAIRNESS_ACCURACY, 'Accuracy within a slice'],
  [METRIC_ML_FAIRNESS_TRUE_POSITIVE_RATE, 'True positive rate within a slice'],
  [METRIC_ML_FAIRNESS_FALSE_POSITIVE_RATE, 'False positive rate within a slice'],
  [METRIC_ML_FAIRNESS_POSITIVE_RATE, 'Predicted-positive rate within a slice'],
  [METRIC_ML_FAIRNESS_CALIBRATION_ERROR, 'Expected calibration error within a slice'],
  [METRIC_ML_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE, 'Highest minus lowest predicted-positive rate across slices'],
  [METRIC_ML_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE, 'Highest minus lowest true positive rate across slices'],
  [METRIC_ML_FAIRNESS_DISPARATE_IMPACT_RATIO, 'Lowest over highest predicted-positive rate across slices'],
  [METRIC_ML_FAIRNESS_VIOLATION, '1 when a disparity is beyond its limit and significant'],
  [METRIC_ML_DRIFT_SLICE_DETECTED, '1 when a feature or the score drifted within a slice value'],
  [METRIC_ML_DRIFT_SLICE_PSI, 'PSI of a feature or the score within a slice value'],
  [METRIC_ML_DRIFT_SLICE_SHARE, 'Share of the overall drift movement carried by a slice value'],
  [METRIC_ML_CANARY_VERDICT, '1 for the verdict of the latest candidate-vs-primary comparison'],
  [METRIC_ML_CANARY_SCORE_JENSEN_SHANNON, 'Jensen-Shannon distance of candidate and primary scores'],
  [METRIC_ML_CANARY_SCORE_P_VALUE, 'Chi-square p-value of candidate vs primary scores'],
  [METRIC_ML_CANARY_AGREEMENT, 'Share of row-level comparisons that agreed'],
  [METRIC_ML_CANARY_LATENCY_DIFFERENCE, 'Candidate minus primary mean inference duration'],
  [METRIC_ML_CANARY_ERROR_RATE_DIFFERENCE, 'Candidate minus primary error rate'],
  [METRIC_ML_CANARY_ACCURACY_DIFFERENCE, 'Candidate minus primary accuracy'],
  [METRIC_ML_CANARY_ROC_AUC_DIFFERENCE, 'Candidate minus primary ROC AUC'],
  [METRIC_ML_RETRAIN_RECOMMENDED, '1 when retraining is recommended for the reason'],
  [METRIC_ML_ATTRIBUTION_MEAN_ABSOLUTE, 'Mean absolute attribution of a feature'],
  [METRIC_ML_ATTRIBUTION_SHIFT, 'Mean absolute attribution minus the reference'],
  [METRIC_ML_DRIFT_BIN_SHIFT, 'Current minus reference share of the rows in a bin'],
  [METRIC_ML_VERDICT_FLAGGED, "1 when the latest window's verdict flags it (drift, degraded, shift, spike)"],
  [METRIC_ML_VERDICT_WINDOWS, 'Consecutive windows with the same verdict as the latest'],
  [METRIC_ML_VERDICT_DURATION, 'Time since the first of the windows with the same verdict as the latest'],
  [METRIC_ML_WINDOW_END_TIME, 'End of the latest evaluated window (Unix time)'],
  [METRIC_ML_PREDICTION_SHARE, "Share of the window's rows predicted as the class"],
  [METRIC_ML_PREDICTION_REFERENCE_SHARE, "Share of the reference's rows predicted as the class"],
];

const UNITS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(DRIFT_STATISTICS.map((s) => [s.metric, s.unit])),
  [METRIC_ML_WINDOW_COUNT]: '{row}',
  [METRIC_ML_CANARY_LATENCY_DIFFERENCE]: 's',
  [METRIC_ML_VERDICT_WINDOWS]: '{window}',
  [METRIC_ML_VERDICT_DURATION]: 's',
  [METRIC_ML_WINDOW_END_TIME]: 's',
};
const VERDICTS = ['no_difference', 'candidate_better', 'candidate_worse', 'insufficient_data'] as const;
const RETRAIN_REASONS = ['drift', 'performance', 'baseline_age'] as const;
const DISPARITIES = [
  ['demographic_parity_difference', 'demographicParityDifference', METRIC_ML_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE],
  ['equal_opportunity_difference', 'equalOpportunityDifference', METRIC_ML_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE],
  ['disparate_impact_ratio', 'disparateImpactRatio', METRIC_ML_FAIRNESS_DISPARATE_IMPACT_RATIO],
] as const;

function modelAttributes(r: ModelReport): Attributes {
  const a: Attributes = {
    [ATTR_ML_MODEL_NAME]: r.model.name,
    [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role,
    [ATTR_ML_DRIFT_REFERENCE]: r.reference.kind,
  };
  if (r.model.version) a[ATTR_ML_MODEL_VERSION] = r.model.version;
  if (r.model.task) a[ATTR_ML_MODEL_TASK] = r.model.task;
  return a;
}

/** The gauge points of one report. Pure, so tests can check the mapping directly. */
export function reportPoints(r: ModelReport): Point[] {
  const out: Point[] = [];
  const base = modelAttributes(r);
  const push = (metric: string, value: number | null | undefined, attributes: Attributes) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ metric, value, attributes });
  };
  const distribution = (d: DistributionReport, attrs: Attributes) => {
    for (const [metric, , get] of DRIFT_GAUGES) push(metric, get(d), attrs);
    for (const s of CRITICAL)
      push(METRIC_ML_DRIFT_CRITICAL_VALUE, d.critical[s.critical!], { ...attrs, [ATTR_ML_DRIFT_STATISTIC]: s.name });
    // a decision is 1 or 0; a distribution that could not be binned is neither (never a silent 0)
    const unresolved = isInsufficientResolution(d);
    if (d.drift.verdict === 'drift' || d.drift.verdict === 'no_drift')
      push(METRIC_ML_DRIFT_DETECTED, d.drift.verdict === 'drift' ? 1 : 0, attrs);
    if (d.drift.verdict !== 'insufficient_data')
      push(METRIC_ML_DRIFT_INSUFFICIENT_RESOLUTION, unresolved ? 1 : 0, attrs);
    for (const b of d.bins)
      push(METRIC_ML_DRIFT_BIN_SHIFT, b.current - b.reference, { ...attrs, [ATTR_ML_DRIFT_BIN]: b.label });
  };
  for (const [name, f] of Object.entries(r.features)) {
    const attrs = { ...base, [ATTR_ML_DRIFT_SIGNAL]: ML_DRIFT_SIGNAL_VALUE_FEATURE, [ATTR_ML_FEATURE_NAME]: name };
    distribution(f, attrs);
    const { [ATTR_ML_DRIFT_SIGNAL]: _signal, ...noSignal } = attrs;
    push(METRIC_ML_FEATURE_MISSING_RATIO, f.missingRate, noSignal);
  }
  const signals: [DistributionReport | null, string][] = [
    [r.prediction.score, ML_DRIFT_SIGNAL_VALUE_SCORE],
    [r.prediction.classes, ML_DRIFT_SIGNAL_VALUE_CLASS],
    [r.prediction.value, ML_DRIFT_SIGNAL_VALUE_VALUE],
  ];
  for (const [d, signal] of signals) if (d) distribution(d, { ...base, [ATTR_ML_DRIFT_SIGNAL]: signal });
  if (r.joint) {
    // joint drift from the random projections: the decision (never a 0 without one) and the sliced Wasserstein distance
    const attrs = { ...base, [ATTR_ML_DRIFT_SIGNAL]: ML_DRIFT_SIGNAL_VALUE_JOINT };
    const v = r.joint.drift.verdict;
    if (v === 'drift' || v === 'no_drift') push(METRIC_ML_DRIFT_DETECTED, v === 'drift' ? 1 : 0, attrs);
    push(METRIC_ML_DRIFT_WASSERSTEIN, r.joint.slicedWasserstein, attrs);
  }
  if (r.calibration) {
    push(METRIC_ML_CALIBRATION_ECE, r.calibration.ece, base);
    push(METRIC_ML_CALIBRATION_MCE, r.calibration.mce, base);
    push(METRIC_ML_CALIBRATION_BRIER, r.calibration.brier, base);
    for (const b of r.calibration.bins)
      push(METRIC_ML_CALIBRATION_OBSERVED_RATE, b.observedRate, { ...base, [ATTR_ML_CALIBRATION_BIN_UPPER]: b.upper });
  }
  if (r.performance) {
    const p = r.performance;
    push(METRIC_ML_PERFORMANCE_ACCURACY, p.accuracy, base);
    push(METRIC_ML_PERFORMANCE_PRECISION, p.precision, base);
    push(METRIC_ML_PERFORMANCE_RECALL, p.recall, base);
    push(METRIC_ML_PERFORMANCE_F1, p.f1, base);
    push(METRIC_ML_PERFORMANCE_ROC_AUC, p.rocAuc, base);
    push(METRIC_ML_PERFORMANCE_MAE, p.mae, base);
    push(METRIC_ML_PERFORMANCE_RMSE, p.rmse, base);
    push(METRIC_ML_PERFORMANCE_REFERENCE_ACCURACY, p.reference.accuracy, base);
    push(METRIC_ML_PERFORMANCE_REFERENCE_F1, p.reference.f1, base);
    push(METRIC_ML_PERFORMANCE_REFERENCE_ROC_AUC, p.reference.rocAuc, base);
    push(METRIC_ML_PERFORMANCE_REFERENCE_MAE, p.reference.mae, base);
    push(METRIC_ML_PERFORMANCE_REFERENCE_RMSE, p.reference.rmse, base);
  }
  push(METRIC_ML_WINDOW_COUNT, r.current.count, base);
  if (r.estimated) {
    const e = r.estimated;
    push(METRIC_ML_PERFORMANCE_ESTIMATED_ACCURACY, e.accuracy, base);
    push(METRIC_ML_PERFORMANCE_ESTIMATED_PRECISION, e.precision, base);
    push(METRIC_ML_PERFORMANCE_ESTIMATED_RECALL, e.recall, base);
    push(METRIC_ML_PERFORMANCE_ESTIMATED_F1, e.f1, base);
    push(METRIC_ML_PERFORMANCE_ESTIMATED_ROC_AUC, e.rocAuc, base);
  }
  for (const [key, f] of Object.entries(r.fairness?.keys ?? {})) {
    const keyAttrs = { ...base, [ATTR_ML_FAIRNESS_SLICE_KEY]: key };
    for (const sl of f.slices) {
      const attrs = { ...keyAttrs, [ATTR_ML_SLICE(key)]: sl.slice };
      push(METRIC_ML_FAIRNESS_ACCURACY, sl.accuracy, attrs);
      push(METRIC_ML_FAIRNESS_TRUE_POSITIVE_RATE, sl.tpr, attrs);
      push(METRIC_ML_FAIRNESS_FALSE_POSITIVE_RATE, sl.fpr, attrs);
      push(METRIC_ML_FAIRNESS_POSITIVE_RATE, sl.positiveRate, attrs);
      push(METRIC_ML_FAIRNESS_CALIBRATION_ERROR, sl.ece, attrs);
    }
    for (const [name, field, metric] of DISPARITIES) {
      const d = f[field];
      if (!d) continue;
      push(metric, d.value, keyAttrs);
      push(METRIC_ML_FAIRNESS_VIOLATION, d.violated ? 1 : 0, { ...keyAttrs, [ATTR_ML_FAIRNESS_DISPARITY]: name });
    }
  }
  for (const [key, k] of Object.entries(r.sliceDrift?.keys ?? {})) {
    const keyAttrs = { ...base, [ATTR_ML_DRIFT_SLICE_KEY]: key };
    for (const sl of k.slices) {
      const attrs = { ...keyAttrs, [ATTR_ML_SLICE(key)]: sl.slice };
      push(METRIC_ML_DRIFT_SLICE_SHARE, sl.share, attrs);
      const signals: [string, SliceSignalDrift, Attributes][] = Object.entries(sl.features).map(([n, d]) => [
        n,
        d,
        { ...attrs, [ATTR_ML_DRIFT_SIGNAL]: ML_DRIFT_SIGNAL_VALUE_FEATURE, [ATTR_ML_FEATURE_NAME]: n },
      ]);
      if (sl.score)
        signals.push(['score', sl.score, { ...attrs, [ATTR_ML_DRIFT_SIGNAL]: ML_DRIFT_SIGNAL_VALUE_SCORE }]);
      for (const [, d, a] of signals) {
        push(METRIC_ML_DRIFT_SLICE_PSI, d.psi, a);
        // a decision is 1 or 0: a slice without enough rows (insufficient_data) gets no point
        if (d.verdict === 'drift' || d.verdict === 'no_drift')
          push(METRIC_ML_DRIFT_SLICE_DETECTED, d.verdict === 'drift' ? 1 : 0, a);
      }
    }
  }
  if (r.comparison) {
    const c = r.comparison;
    const attrs: Attributes = c.primary.version
      ? { ...base, [ATTR_ML_CANARY_PRIMARY_VERSION]: c.primary.version }
      : base;
    for (const v of VERDICTS)
      push(METRIC_ML_CANARY_VERDICT, c.verdict === v ? 1 : 0, { ...attrs, [ATTR_ML_CANARY_VERDICT]: v });
    push(METRIC_ML_CANARY_SCORE_JENSEN_SHANNON, c.score?.jensenShannon, attrs);
    push(METRIC_ML_CANARY_SCORE_P_VALUE, c.score?.pValue, attrs);
    push(METRIC_ML_CANARY_AGREEMENT, c.agreement?.rate, attrs);
    push(METRIC_ML_CANARY_LATENCY_DIFFERENCE, c.latency?.difference, attrs);
    push(METRIC_ML_CANARY_ERROR_RATE_DIFFERENCE, c.errors?.difference, attrs);
    push(METRIC_ML_CANARY_ACCURACY_DIFFERENCE, c.performance?.accuracy?.difference, attrs);
    push(METRIC_ML_CANARY_ROC_AUC_DIFFERENCE, c.performance?.rocAuc?.difference, attrs);
  }
  if (r.retrain) {
    for (const reason of RETRAIN_REASONS)
      push(METRIC_ML_RETRAIN_RECOMMENDED, r.retrain.reasons.includes(reason) ? 1 : 0, {
        ...base,
        [ATTR_ML_RETRAIN_REASON]: reason,
      });
  }
  for (const [name, a] of Object.entries(r.attribution?.features ?? {})) {
    const attrs = { ...base, [ATTR_ML_FEATURE_NAME]: name };
    push(METRIC_ML_ATTRIBUTION_MEAN_ABSOLUTE, a.meanAbsolute, attrs);
    push(METRIC_ML_ATTRIBUTION_SHIFT, a.shift, attrs);
    if (a.distribution)
      distribution(a.distribution, { ...attrs, [ATTR_ML_DRIFT_SIGNAL]: ML_DRIFT_SIGNAL_VALUE_ATTRIBUTION });
  }
  verdictPoints(r, base, push);
  qualityPoints(r, base, push);
  return out;
}

/** The verdict gauges: flagged, windows held, time held (none for insufficient_data); shares; the window's end. */
function verdictPoints(
  r: ModelReport,
  base: Attributes,
  push: (metric: string, value: number | null | undefined, attributes: Attributes) => void,
): void {
  const end = r.window ? Date.parse(r.window.end) : null;
  if (end !== null) push(METRIC_ML_WINDOW_END_TIME, end / 1000, base);
  if (!r.verdicts) return;
  for (const c of r.verdicts.checks) {
    if (c.flagged === null) continue;
    const attrs: Attributes = { ...base, [ATTR_ML_VERDICT_CHECK]: c.check };
    if (c.feature !== null) attrs[ATTR_ML_FEATURE_NAME] = c.feature;
    if (c.class !== null) attrs[ATTR_ML_PREDICTION_CLASS] = c.class;
    if (c.metric) attrs[ATTR_ML_BUSINESS_METRIC] = c.metric;
    push(METRIC_ML_VERDICT_FLAGGED, c.flagged ? 1 : 0, attrs);
    push(METRIC_ML_VERDICT_WINDOWS, c.windows, attrs);
    if (end !== null && c.since !== null) push(METRIC_ML_VERDICT_DURATION, (end - Date.parse(c.since)) / 1000, attrs);
  }
  for (const [cls, t] of Object.entries(r.verdicts.predictedShare)) {
    const attrs = { ...base, [ATTR_ML_PREDICTION_CLASS]: cls };
    push(METRIC_ML_PREDICTION_SHARE, t.current, attrs);
    push(METRIC_ML_PREDICTION_REFERENCE_SHARE, t.reference, attrs);
  }
}

/** Attributes and body of the `ml.retrain.recommended` event. */
export function retrainEvent(r: ModelReport): { attributes: Attributes; body: string } | undefined {
  const rt = r.retrain;
  if (!rt?.recommended) return undefined;
  const json = JSON.stringify({
    reasons: rt.reasons,
    details: rt.details,
    driftWindows: rt.driftWindows,
    drifted: r.drifted,
    accuracy: rt.accuracy,
    accuracySource: rt.accuracySource,
    baselineAgeMs: rt.baselineAgeMs,
    attributionShift: r.attribution?.ranking.slice(0, 5) ?? [],
  });
  const attributes: Attributes = {
    [ATTR_ML_MODEL_NAME]: r.model.name,
    [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role,
    [ATTR_ML_WINDOW_START]: r.window?.start ?? '',
    [ATTR_ML_WINDOW_END]: r.window?.end ?? '',
    [ATTR_ML_RETRAIN_REASONS]: [...rt.reasons],
    [ATTR_ML_RETRAIN_DETAILS]: json,
  };
  if (r.model.version) attributes[ATTR_ML_MODEL_VERSION] = r.model.version;
  return { attributes, body: json };
}

/** The report fields of the drift statistics that the event repeats per drifted feature, in registry order. */
const EVENT_FIELDS = DRIFT_STATISTICS.flatMap((s) => s.display.event);

/** Attributes and body of the `ml.drift.detected` event for a report with drift. */
export function driftEvent(r: ModelReport): { attributes: Attributes; body: string } {
  const details: Record<string, unknown> = {};
  for (const name of r.drifted) {
    const f = r.features[name]!;
    const fields = f as unknown as Readonly<Record<string, unknown>>;
    details[name] = {
      ...Object.fromEntries(EVENT_FIELDS.map((k) => [k, fields[k]])),
      pValue: f.drift.pValue,
      adjustedPValue: f.drift.adjustedPValue,
      missingRate: f.missingRate,
      topMovers: f.topMovers.map((b) => ({
        bin: b.label,
        reference: round(b.reference),
        current: round(b.current),
        ...binTraces(b),
      })),
      ...held(r, 'feature_drift', name),
    };
  }
  // features of the same window that could not be binned: neither flagged nor cleared
  const unresolved = unresolvedFeatures(r);
  if (unresolved.length > 0)
    details['insufficientResolution'] = unresolved.map((n) => ({ feature: n, reasons: r.features[n]!.drift.reasons }));
  // a window that lacks part of its data (a model routed here in its course, docs/scale-out.md) says so
  if (r.window?.partial !== undefined) details['partialWindow'] = r.window.partial;
  const flagged = (r.verdicts?.checks ?? []).filter((c) => c.flagged && c.check !== 'feature_drift');
  if (flagged.length > 0) {
    // The window's other flagged verdicts (score drift, degraded performance, share shifts, missing-value spikes).
    details['flagged'] = flagged.map((c) => ({
      check: c.check,
      feature: c.feature,
      class: c.class,
      verdict: c.verdict,
      windows: c.windows,
      since: c.since,
    }));
  }
  const located = r.sliceDrift?.located ?? [];
  if (located.length > 0) {
    // Where it moved: per slice key, the slice value explaining most of the movement, and what drifted in it.
    details['whereItMoved'] = located.map((l) => {
      const s = r.sliceDrift!.keys[l.key]!.slices.find((x) => x.slice === l.slice)!;
      return {
        key: l.key,
        slice: l.slice,
        share: round(l.share),
        drifted: l.drifted.map((n) => {
          const d = n === 'score' ? s.score : s.features[n];
          return { name: n, psi: d?.psi ?? null, adjustedPValue: d?.adjustedPValue ?? null };
        }),
      };
    });
  }
  if (r.joint && r.joint.drift.verdict === 'drift') {
    // Joint drift: the projections that moved (largest W1 first) and the sliced Wasserstein distance.
    const j = r.joint;
    details['joint'] = {
      basis: j.basis,
      slicedWasserstein: j.slicedWasserstein,
      maxWasserstein: j.maxWasserstein,
      drifted: j.drifted.slice(0, 5).map((i) => ({ projection: Number(i), ...j.byProjection[i]! })),
      projections: j.projections,
      ...held(r, 'joint_drift', null),
    };
  }
  const ranking = r.attribution?.ranking ?? [];
  if (ranking.length > 0) {
    // Features ranked by the shift of their mean absolute attribution: what the model now leans on.
    details['attributionShift'] = ranking.map((n) => {
      const a = r.attribution!.features[n]!;
      return {
        feature: n,
        reference: a.referenceMeanAbsolute,
        current: a.meanAbsolute,
        shift: a.shift,
        drift: a.distribution?.drift.verdict ?? null,
      };
    });
  }
  const score = scoreSamplesDetail(r);
  if (score) details['score'] = score;
  const json = JSON.stringify(details);
  const attributes: Attributes = {
    ...windowEventAttributes(r),
    ...traceIdsAttribute(r),
    [ATTR_ML_WINDOW_CURRENT_COUNT]: r.current.count,
    [ATTR_ML_WINDOW_REFERENCE_COUNT]: r.reference.count,
    [ATTR_ML_DRIFT_FEATURES]: [...r.drifted],
    [ATTR_ML_DRIFT_DETAILS]: json,
  };
  if (ranking.length > 0) attributes[ATTR_ML_ATTRIBUTION_FEATURES] = [...ranking];
  return { attributes, body: json };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** How long a check's verdict has held: `{ windows, since }`, or nothing without verdicts. */
function held(r: ModelReport, check: string, feature: string | null): { windows?: number; since?: string | null } {
  const c = r.verdicts?.checks.find((x) => x.check === check && x.feature === feature);
  return c ? { windows: c.windows, since: c.since } : {};
}

/**
 * `error.type` of a failed export, from a small set: the HTTP status code when the backend
 * answered (the OTLP exporter's error carries it as `code`), `timeout`, the system error code of
 * a network failure (`ECONNREFUSED`, `ENOTFOUND`, ...), else `_OTHER` (the semantic conventions'
 * fallback value).
 */
export function exportErrorType(error: unknown): string {
  if (error === undefined || error === null || typeof error !== 'object') return '_OTHER';
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'number' && Number.isInteger(e.code) && e.code >= 100 && e.code <= 599) return String(e.code);
  if (typeof e.code === 'string' && /^E[A-Z0-9_]{1,31}$/.test(e.code))
    return e.code === 'ETIMEDOUT' ? 'timeout' : e.code;
  if (e.name === 'TimeoutError' || (typeof e.message === 'string' && /timeout|timed out/i.test(e.message)))
    return 'timeout';
  if (e.cause !== undefined && e.cause !== error) return exportErrorType(e.cause);
  return '_OTHER';
}

/** The processor's view of its own progress, read at collection time. */
export interface ProcessorHealth {
  /** Seconds since the end of the oldest window due but not yet closed and evaluated (0 when none is). */
  readonly evaluationLagSeconds: number;
  /** Whole windows since the last accepted point, per model. */
  readonly idle: readonly {
    readonly name: string;
    readonly version: string;
    readonly role: string;
    readonly windows: number;
  }[];
}

export interface EmitterOptions {
  readonly meter: Meter;
  readonly logger?: Logger;
  readonly stats: () => ProcessorStats;
  /** Evaluation lag and idle models (`ml.processor.evaluation.lag`, `ml.processor.model.idle`); none without it. */
  readonly health?: () => ProcessorHealth;
}

/**
 * The `ml.processor.model.idle` points of `health`: one per (name, version, role), the least idle
 * of the model keys that share them (keys that differ only in resource attributes).
 */
export function idlePoints(health: ProcessorHealth): { value: number; attributes: Attributes }[] {
  const least = new Map<string, { value: number; attributes: Attributes }>();
  for (const m of health.idle) {
    const attributes: Attributes = { [ATTR_ML_MODEL_NAME]: m.name, [ATTR_ML_DEPLOYMENT_ROLE]: m.role };
    if (m.version) attributes[ATTR_ML_MODEL_VERSION] = m.version;
    const k = JSON.stringify([m.name, m.version, m.role]);
    const seen = least.get(k);
    if (seen === undefined || m.windows < seen.value) least.set(k, { value: m.windows, attributes });
  }
  return [...least.values()];
}

/** Holds the latest report per model and serves it to the SDK at collection time. */
export class ResultsEmitter {
  private readonly latest = new Map<string, ModelReport>();
  /** Reports of models that left this instance (see `retire`). */
  private readonly retired = new Map<string, ModelReport>();
  private readonly evaluationDuration;
  private readonly exportFailures;
  private exportFailureCount = 0;
  private readonly exportFailuresByReason = new Map<string, number>();

  constructor(private readonly opts: EmitterOptions) {
    const meter = opts.meter;
    const gauges = new Map<string, Observable>();
    for (const [name, description] of [...RESULT_GAUGES, ...QUALITY_GAUGES]) {
      gauges.set(name, meter.createObservableGauge(name, { description, unit: UNITS[name] ?? '1' }));
    }
    meter.addBatchObservableCallback(
      (result: BatchObservableResult) => {
        for (const report of this.latest.values()) {
          for (const p of reportPoints(report)) result.observe(gauges.get(p.metric)!, p.value, p.attributes);
        }
        // retired: NaN, on which every comparison of an alert rule is false (see `retire`)
        for (const report of this.retired.values()) {
          for (const p of reportPoints(report)) result.observe(gauges.get(p.metric)!, Number.NaN, p.attributes);
        }
      },
      [...gauges.values()],
    );

    const received = meter.createObservableCounter(METRIC_ML_PROCESSOR_POINTS_RECEIVED, {
      unit: '{point}',
      description: 'Data points received',
    });
    const dropped = meter.createObservableCounter(METRIC_ML_PROCESSOR_POINTS_DROPPED, {
      unit: '{point}',
      description: 'Data points dropped, by reason',
    });
    const streams = meter.createObservableUpDownCounter(METRIC_ML_PROCESSOR_STREAMS, {
      unit: '{stream}',
      description: 'Live streams',
    });
    meter.addBatchObservableCallback(
      (result) => {
        const s = opts.stats();
        result.observe(received, s.receivedPoints);
        for (const [reason, n] of Object.entries(s.droppedPoints))
          if (n > 0) result.observe(dropped, n, { [ATTR_ML_PROCESSOR_DROP_REASON]: reason });
        result.observe(streams, s.liveStreams);
      },
      [received, dropped, streams],
    );
    this.evaluationDuration = meter.createHistogram(METRIC_ML_PROCESSOR_EVALUATION_DURATION, {
      unit: 's',
      description: 'Time to evaluate one window of one model',
      advice: { explicitBucketBoundaries: [...METRIC_ML_PROCESSOR_EVALUATION_DURATION_BUCKETS] },
    });
    this.exportFailures = meter.createCounter(METRIC_ML_PROCESSOR_EXPORT_FAILURES, {
      unit: '{export}',
      description: 'Result exports that failed',
    });
    const health = opts.health;
    if (health) {
      const idle = meter.createObservableGauge(METRIC_ML_PROCESSOR_MODEL_IDLE, {
        unit: '{window}',
        description: 'Whole windows since the last accepted point of the model',
      });
      const lag = meter.createObservableGauge(METRIC_ML_PROCESSOR_EVALUATION_LAG, {
        unit: 's',
        description: 'Time since the end of the oldest window due but not yet evaluated',
      });
      meter.addBatchObservableCallback(
        (result) => {
          const h = health();
          result.observe(lag, h.evaluationLagSeconds);
          for (const p of idlePoints(h)) result.observe(idle, p.value, p.attributes);
        },
        [idle, lag],
      );
    }
  }

  /** Publishes a model's newest report (replacing the previous one) and emits its drift event (drifted features, a drift within a slice, or any other flagged verdict). */
  publish(modelKey: string, report: ModelReport, evaluationSeconds: number): void {
    this.latest.set(modelKey, report);
    this.retired.delete(modelKey);
    this.evaluationDuration.record(evaluationSeconds, { [ATTR_ML_MODEL_NAME]: report.model.name });
    if (
      (report.drifted.length > 0 ||
        report.verdicts?.checks.some((c) => c.flagged) ||
        (report.sliceDrift?.located.some((l) => l.drifted.length > 0) ?? false)) &&
      this.opts.logger
    ) {
      const e = driftEvent(report);
      this.opts.logger.emit({
        eventName: EVENT_ML_DRIFT_DETECTED,
        attributes: e.attributes,
        body: e.body,
        severityText: 'WARN',
        severityNumber: 13,
      });
    }
    const dq = this.opts.logger ? dataQualityEvent(report) : undefined;
    if (dq)
      this.opts.logger!.emit({
        eventName: EVENT_ML_DATA_QUALITY_DETECTED,
        attributes: dq.attributes,
        body: dq.body,
        severityText: 'WARN',
        severityNumber: 13,
      });
  }

  /** Emits the `ml.retrain.recommended` event of a report (the caller decides when: on a new recommendation). */
  recommendRetraining(report: ModelReport): void {
    const e = retrainEvent(report);
    if (e && this.opts.logger)
      this.opts.logger.emit({
        eventName: EVENT_ML_RETRAIN_RECOMMENDED,
        attributes: e.attributes,
        body: e.body,
        severityText: 'WARN',
        severityNumber: 13,
      });
  }

  /** Emits the `ml.retrain.review` event of a recommendation under review that has just entered its state. */
  retrainingReview(record: RetrainingRecord): void {
    if (!this.opts.logger) return;
    const e = reviewEvent(record);
    this.opts.logger.emit({
      eventName: EVENT_ML_RETRAIN_REVIEW,
      attributes: e.attributes,
      body: e.body,
      severityText: e.severityText,
      severityNumber: e.severityNumber,
    });
  }

  /** Counts a failed export of results; `reason` as {@link exportErrorType} gives it. */
  exportFailed(reason: string): void {
    this.exportFailureCount++;
    this.exportFailuresByReason.set(reason, (this.exportFailuresByReason.get(reason) ?? 0) + 1);
    this.exportFailures.add(1, { [ATTR_ERROR_TYPE]: reason });
  }

  get exportFailuresTotal(): number {
    return this.exportFailureCount;
  }

  /** Failed exports by `error.type`. */
  exportFailuresByType(): Record<string, number> {
    return Object.fromEntries(this.exportFailuresByReason);
  }

  /**
   * Stops publishing a model's verdicts here because the model went to another instance
   * (docs/scale-out.md): its gauges are exported as NaN from now on, so that no verdict of it
   * stays flagged from here. (The SDK keeps exporting the last value of a series of an observable
   * gauge under cumulative temporality once it is no longer observed: leaving it out would keep
   * the stale value.) Publishing the model again ends it.
   */
  retire(modelKey: string): void {
    const r = this.latest.get(modelKey);
    if (r === undefined) return;
    this.latest.delete(modelKey);
    this.retired.set(modelKey, r);
  }

  /**
   * Stops publishing a model's report because retention forgot it: the same treatment as `retire`
   * (its gauges go NaN rather than keep their last values, which the SDK would export forever).
   */
  forget(modelKey: string): void {
    this.retire(modelKey);
  }

  reports(): ReadonlyMap<string, ModelReport> {
    return this.latest;
  }
}
