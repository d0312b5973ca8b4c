/**
 * @otel-ml/instrumentation: ML model monitoring for OpenTelemetry.
 *
 * - Manual API: {@link createModelMonitor} (observe rows, join outcomes, wrap model calls,
 *   shadow candidates, business values), exported through an OpenTelemetry `MetricProducer`
 *   ({@link createMlMetricProducer} / `monitor.metricProducer`) or plain SDK instruments.
 * - Offline / processor path: {@link ModelAggregator}, the SDK-free aggregation core (feed it rows,
 *   read plain-data snapshots).
 */

// Manual API
export { createModelMonitor, createMlMetricProducer } from './monitor/monitor.js';
export type {
  ExportMode,
  ModelInfo,
  ModelMonitor,
  ModelMonitorOptions,
  ObserveInput,
  OutcomeInput,
  PrivacyOptions,
  ShadowHandle,
  ShadowOptions,
  WrapMapping,
} from './monitor/types.js';
export type { OutcomeJoinOptions } from './monitor/outcome-join.js';

// Export to OpenTelemetry
export { MlMetricProducer } from './export/producer.js';
export { mlFeatureValueView, EXPONENTIAL_METER_NAME } from './export/instruments.js';
export type { MetricSource, MlMetricProducerOptions, TemporalitySource } from './export/producer.js';
export {
  discreteLaplace,
  discreteLaplaceVariance,
  noiseSettings,
  noisyDelta,
  predictionSensitivity,
  PRIVATE_EXPONENTIAL_BUCKETS,
} from './export/noise.js';
export type { NoiseSettings } from './export/noise.js';

// Offline / processor path: the aggregation core, usable without any OpenTelemetry SDK.
export { ModelAggregator, DeltaCursor } from './aggregation/model-aggregator.js';
export type { ShadowResult, UnmatchedReason } from './aggregation/model-aggregator.js';
export { METRIC_DEFINITIONS } from './aggregation/metrics.js';
export type { MetricDefinition } from './aggregation/metrics.js';
export type {
  AggregationLimits,
  AggregationSnapshot,
  AggregationStats,
  AttributeValue,
  ClassScores,
  DeploymentRole,
  ExponentialHistogramPoint,
  FeatureRow,
  FeatureSpec,
  FeatureType,
  HistogramPoint,
  IssueKind,
  MetricAttributes,
  ModelAggregatorOptions,
  ModelTask,
  ObservedRow,
  OutcomeRow,
  PredictionOutput,
  ProjectionOptions,
  SliceValues,
  SnapshotMetric,
  SumPoint,
  Temporality,
} from './aggregation/types.js';
export { EXPONENTIAL_KEY_SUFFIX } from './aggregation/types.js';
export {
  DEFAULT_EXPONENTIAL_MAX_BUCKETS,
  DEFAULT_VALUE_BOUNDARIES,
  SCORE_BOUNDARIES,
  DURATION_BOUNDARIES,
  OUTCOME_DELAY_BOUNDARIES,
  OVERFLOW_VALUE,
} from './names.js';
export { SCOPE_NAME, VERSION } from './version.js';

// Auto-instrumentation (instrumentation/src/auto/) is exported below.
export { MlInstrumentation, identifyModel } from './auto/index.js';
export type {
  MlDeploymentRole,
  MlFramework,
  MlInstrumentationConfig,
  MlModelCallInfo,
  MlModelConfig,
  MlModelTask,
} from './auto/index.js';
