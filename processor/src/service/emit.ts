/**
 * Results back into the user's stack: the latest evaluation of each model as OpenTelemetry gauges
 * (exported over OTLP and/or scraped by Prometheus), one OTLP log record per drift detection
 * (event `ml.drift.detected`), and the processor's own health metrics.
 */
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import {
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
  METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE,
  METRIC_ML_DRIFT_CHI_SQUARE_STATISTIC,
  METRIC_ML_DRIFT_CRITICAL_VALUE,
  METRIC_ML_DRIFT_DETECTED,
  METRIC_ML_DRIFT_HELLINGER,
  METRIC_ML_DRIFT_JENSEN_SHANNON,
  METRIC_ML_DRIFT_KL,
  METRIC_ML_DRIFT_KS,
  METRIC_ML_DRIFT_KS_P_VALUE,
  METRIC_ML_DRIFT_PSI,
  METRIC_ML_DRIFT_WASSERSTEIN,
  METRIC_ML_FEATURE_MISSING_RATIO,
  METRIC_ML_PERFORMANCE_ACCURACY,
  METRIC_ML_PERFORMANCE_F1,
  METRIC_ML_PERFORMANCE_MAE,
  METRIC_ML_PERFORMANCE_PRECISION,
  METRIC_ML_PERFORMANCE_RECALL,
  METRIC_ML_PERFORMANCE_RMSE,
  METRIC_ML_PERFORMANCE_ROC_AUC,
  METRIC_ML_PROCESSOR_EVALUATION_DURATION,
  METRIC_ML_PROCESSOR_EVALUATION_DURATION_BUCKETS,
  METRIC_ML_PROCESSOR_EXPORT_FAILURES,
  METRIC_ML_PROCESSOR_POINTS_DROPPED,
  METRIC_ML_PROCESSOR_POINTS_RECEIVED,
  METRIC_ML_PROCESSOR_STREAMS,
  METRIC_ML_WINDOW_COUNT,
  ML_DRIFT_SIGNAL_VALUE_CLASS,
  ML_DRIFT_SIGNAL_VALUE_FEATURE,
  ML_DRIFT_SIGNAL_VALUE_SCORE,
  ML_DRIFT_SIGNAL_VALUE_VALUE,
} from '@otel-ml/conventions';
import type { DistributionReport, ModelReport } from '../analysis/report-types.js';
import type { ProcessorStats } from '../streams/processor.js';

type GaugeName = string;

interface Point {
  readonly metric: GaugeName;
  readonly value: number;
  readonly attributes: Attributes;
}

const DRIFT_GAUGES: readonly [GaugeName, (d: DistributionReport) => number | null][] = [
  [METRIC_ML_DRIFT_PSI, (d) => d.psi],
  [METRIC_ML_DRIFT_KL, (d) => d.kl],
  [METRIC_ML_DRIFT_JENSEN_SHANNON, (d) => d.jensenShannon],
  [METRIC_ML_DRIFT_HELLINGER, (d) => d.hellinger],
  [METRIC_ML_DRIFT_KS, (d) => d.ks],
  [METRIC_ML_DRIFT_KS_P_VALUE, (d) => d.ksPValue],
  [METRIC_ML_DRIFT_WASSERSTEIN, (d) => d.wasserstein],
  [METRIC_ML_DRIFT_CHI_SQUARE_STATISTIC, (d) => d.chiSquare?.statistic ?? null],
  [METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE, (d) => d.chiSquare?.pValue ?? null],
];

const CRITICAL: readonly [string, keyof DistributionReport['critical']][] = [
  ['psi', 'psi'],
  ['kl', 'kl'],
  ['jensen_shannon', 'jensenShannon'],
  ['hellinger', 'hellinger'],
  ['ks', 'ks'],
  ['chi_square', 'chiSquare'],
];

const RESULT_GAUGES: readonly [GaugeName, string][] = [
  [METRIC_ML_DRIFT_PSI, 'Population stability index on decile bins'],
  [METRIC_ML_DRIFT_KL, 'KL(reference || current)'],
  [METRIC_ML_DRIFT_JENSEN_SHANNON, 'Jensen-Shannon distance'],
  [METRIC_ML_DRIFT_HELLINGER, 'Hellinger distance'],
  [METRIC_ML_DRIFT_KS, 'Kolmogorov-Smirnov statistic'],
  [METRIC_ML_DRIFT_KS_P_VALUE, 'Kolmogorov-Smirnov p-value'],
  [METRIC_ML_DRIFT_WASSERSTEIN, 'Wasserstein-1 distance'],
  [METRIC_ML_DRIFT_CHI_SQUARE_STATISTIC, 'Chi-square homogeneity statistic'],
  [METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE, 'Chi-square homogeneity p-value'],
  [METRIC_ML_DRIFT_CRITICAL_VALUE, 'Critical value of a drift statistic at alpha'],
  [METRIC_ML_DRIFT_DETECTED, '1 when drift was detected'],
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
  [METRIC_ML_WINDOW_COUNT, 'Rows in the latest window'],
];

function modelAttributes(r: ModelReport): Attributes {
  const a: Attributes = { [ATTR_ML_MODEL_NAME]: r.model.name, [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role, [ATTR_ML_DRIFT_REFERENCE]: r.reference.kind };
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
    for (const [metric, get] of DRIFT_GAUGES) push(metric, get(d), attrs);
    for (const [stat, key] of CRITICAL) push(METRIC_ML_DRIFT_CRITICAL_VALUE, d.critical[key], { ...attrs, [ATTR_ML_DRIFT_STATISTIC]: stat });
    if (d.drift.verdict !== 'insufficient_data') push(METRIC_ML_DRIFT_DETECTED, d.drift.verdict === 'drift' ? 1 : 0, attrs);
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
  if (r.calibration) {
    push(METRIC_ML_CALIBRATION_ECE, r.calibration.ece, base);
    push(METRIC_ML_CALIBRATION_MCE, r.calibration.mce, base);
    push(METRIC_ML_CALIBRATION_BRIER, r.calibration.brier, base);
    for (const b of r.calibration.bins) push(METRIC_ML_CALIBRATION_OBSERVED_RATE, b.observedRate, { ...base, [ATTR_ML_CALIBRATION_BIN_UPPER]: b.upper });
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
  }
  push(METRIC_ML_WINDOW_COUNT, r.current.count, base);
  return out;
}

/** Attributes and body of the `ml.drift.detected` event for a report with drift. */
export function driftEvent(r: ModelReport): { attributes: Attributes; body: string } {
  const details: Record<string, unknown> = {};
  for (const name of r.drifted) {
    const f = r.features[name]!;
    details[name] = {
      psi: f.psi,
      psiCritical: f.psiCritical,
      jensenShannon: f.jensenShannon,
      ks: f.ks,
      wasserstein: f.wasserstein,
      pValue: f.drift.pValue,
      adjustedPValue: f.drift.adjustedPValue,
      missingRate: f.missingRate,
      topMovers: f.topMovers.map((b) => ({ bin: b.label, reference: round(b.reference), current: round(b.current) })),
    };
  }
  const json = JSON.stringify(details);
  const attributes: Attributes = {
    [ATTR_ML_MODEL_NAME]: r.model.name,
    [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role,
    [ATTR_ML_DRIFT_REFERENCE]: r.reference.kind,
    [ATTR_ML_WINDOW_START]: r.window?.start ?? '',
    [ATTR_ML_WINDOW_END]: r.window?.end ?? '',
    [ATTR_ML_WINDOW_CURRENT_COUNT]: r.current.count,
    [ATTR_ML_WINDOW_REFERENCE_COUNT]: r.reference.count,
    [ATTR_ML_DRIFT_FEATURES]: [...r.drifted],
    [ATTR_ML_DRIFT_DETAILS]: json,
  };
  if (r.model.version) attributes[ATTR_ML_MODEL_VERSION] = r.model.version;
  return { attributes, body: json };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

export interface EmitterOptions {
  readonly meter: Meter;
  readonly logger?: Logger;
  readonly stats: () => ProcessorStats;
}

/** Holds the latest report per model and serves it to the SDK at collection time. */
export class ResultsEmitter {
  private readonly latest = new Map<string, ModelReport>();
  private readonly evaluationDuration;
  private readonly exportFailures;
  private exportFailureCount = 0;

  constructor(private readonly opts: EmitterOptions) {
    const meter = opts.meter;
    const gauges = new Map<string, Observable>();
    for (const [name, description] of RESULT_GAUGES) {
      gauges.set(name, meter.createObservableGauge(name, { description, unit: name === METRIC_ML_WINDOW_COUNT ? '{row}' : '1' }));
    }
    meter.addBatchObservableCallback((result: BatchObservableResult) => {
      for (const report of this.latest.values()) {
        for (const p of reportPoints(report)) result.observe(gauges.get(p.metric)!, p.value, p.attributes);
      }
    }, [...gauges.values()]);

    const received = meter.createObservableCounter(METRIC_ML_PROCESSOR_POINTS_RECEIVED, { unit: '{point}', description: 'Data points received' });
    const dropped = meter.createObservableCounter(METRIC_ML_PROCESSOR_POINTS_DROPPED, { unit: '{point}', description: 'Data points dropped, by reason' });
    const streams = meter.createObservableUpDownCounter(METRIC_ML_PROCESSOR_STREAMS, { unit: '{stream}', description: 'Live streams' });
    meter.addBatchObservableCallback((result) => {
      const s = opts.stats();
      result.observe(received, s.receivedPoints);
      for (const [reason, n] of Object.entries(s.droppedPoints)) if (n > 0) result.observe(dropped, n, { [ATTR_ML_PROCESSOR_DROP_REASON]: reason });
      result.observe(streams, s.liveStreams);
    }, [received, dropped, streams]);
    this.evaluationDuration = meter.createHistogram(METRIC_ML_PROCESSOR_EVALUATION_DURATION, {
      unit: 's',
      description: 'Time to evaluate one window of one model',
      advice: { explicitBucketBoundaries: [...METRIC_ML_PROCESSOR_EVALUATION_DURATION_BUCKETS] },
    });
    this.exportFailures = meter.createCounter(METRIC_ML_PROCESSOR_EXPORT_FAILURES, { unit: '{export}', description: 'Result exports that failed' });
  }

  /** Publishes a model's newest report (replacing the previous one) and emits its drift event. */
  publish(modelKey: string, report: ModelReport, evaluationSeconds: number): void {
    this.latest.set(modelKey, report);
    this.evaluationDuration.record(evaluationSeconds, { [ATTR_ML_MODEL_NAME]: report.model.name });
    if (report.drifted.length > 0 && this.opts.logger) {
      const e = driftEvent(report);
      this.opts.logger.emit({ eventName: EVENT_ML_DRIFT_DETECTED, attributes: e.attributes, body: e.body, severityText: 'WARN', severityNumber: 13 });
    }
  }

  exportFailed(): void {
    this.exportFailureCount++;
    this.exportFailures.add(1);
  }

  get exportFailuresTotal(): number {
    return this.exportFailureCount;
  }

  reports(): ReadonlyMap<string, ModelReport> {
    return this.latest;
  }
}
