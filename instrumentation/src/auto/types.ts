import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { BaselineFile } from '@otel-ml/conventions';

/** The libraries the auto-instrumentation patches (values of `ml.model.framework`). */
export type MlFramework = 'onnxruntime' | 'tensorflowjs' | 'mljs';

/** Values of `ml.model.task`. */
export type MlModelTask = 'binary_classification' | 'multiclass_classification' | 'regression' | 'ranking';

/** Values of `ml.deployment.role`. */
export type MlDeploymentRole = 'primary' | 'canary' | 'shadow';

/**
 * Identity and shape of one model, looked up in {@link MlInstrumentationConfig.models}.
 * Every field is optional: what is missing comes from the model itself
 * (file basename for ONNX paths, the tfjs model name, the ml.js class name,
 * the input names of the session).
 */
export interface MlModelConfig {
  /** `ml.model.name`; defaults to the key's model (basename without extension, model name or class name). */
  name?: string;
  /** `ml.model.version`; default `unknown`. */
  version?: string;
  /** `ml.model.task`; default: inferred from the output shape (1 column: binary, K > 1 columns: multiclass, ml.js regressors: regression). */
  task?: MlModelTask;
  /** `ml.deployment.role`; defaults to {@link MlInstrumentationConfig.deploymentRole}. */
  role?: MlDeploymentRole;
  /**
   * Names of the columns of a 2-D numeric input, in order. When set (and feature
   * capture is on), one `ml.feature.value` histogram per column is recorded.
   */
  features?: readonly string[];
  /**
   * Which output carries the score: an output name (ONNX output / GraphModel node),
   * an output index, or for a single 2-D output `{ output?, column }` to pick one column
   * (for example the positive-class column of a [batch, 2] probability output).
   * Default: the last output; for a [batch, 2] output of a binary classifier, column 1.
   */
  scoreOutput?: string | number | { output?: string | number; column: number };
  /** Class labels of the output columns of a multiclass model (default: the column index). */
  classes?: readonly string[];
  /** The model is served remotely (spans are CLIENT rather than INTERNAL). */
  remote?: boolean;
  /**
   * Optional: a `BaselineFile` (or the path of one) supplying the model version and the regression
   * output's boundaries. Feature histograms do not need it: they are base-2 exponential histograms.
   */
  baseline?: BaselineFile | string;
  /** Binary classification: decision threshold for the predicted class (default 0.5). */
  threshold?: number;
  /** Skip this model entirely (no spans, no metrics). */
  ignore?: boolean;
}

/** What the auto-instrumentation knows about a model call, passed to hooks and filters. */
export interface MlModelCallInfo {
  framework: MlFramework;
  /** The operation: `predict` or `load`. */
  operation: 'predict' | 'load';
  /** The library's own identification of the model: file path, model name or class name. */
  modelKey: string;
  /** ONNX sessions: the model path when created from a file; undefined when created from bytes. */
  modelPath?: string;
  /** Input names (ONNX inputs, GraphModel input nodes), when known. */
  inputNames?: readonly string[];
  /** Output names, when known. */
  outputNames?: readonly string[];
  /** The model object (session, LayersModel, GraphModel, ml.js model). */
  model?: unknown;
}

/** Public configuration of {@link MlInstrumentation}. */
export interface MlInstrumentationConfig extends InstrumentationConfig {
  /**
   * Models by key: an ONNX model path (absolute or as given), its basename
   * (`fraud.onnx`) or basename without extension (`fraud`), a tfjs model name,
   * or an ml.js class name. Also matched: the key given to `MlInstrumentation.identify`.
   */
  models?: Readonly<Record<string, MlModelConfig>>;
  /** Default `ml.deployment.role` (default `primary`). */
  deploymentRole?: MlDeploymentRole;
  /**
   * Also record the raw feature values of named features on the span, as an
   * `ml.features` span event per row (attributes `ml.feature.input.<name>`, values as text;
   * default false: spans carry no feature values).
   * Per-feature histograms are recorded whenever features are named, regardless.
   * Env override: `OTEL_ML_CAPTURE_FEATURES=true|false`.
   */
  captureFeatures?: boolean;
  /**
   * How metrics reach OpenTelemetry (as for `createModelMonitor`).
   * 'producer' (default): pre-aggregated in memory and read by the package's
   * `MetricProducer`: register `createMlMetricProducer()` with your reader
   * (`new PeriodicExportingMetricReader({ exporter, metricProducers: [createMlMetricProducer()] })`).
   * 'instruments': recorded through SDK instruments of the meter provider the
   * instrumentation is given (no producer needed), but OpenTelemetry JS
   * histograms drop negative values, so negative feature values and regression
   * outputs are lost in this mode.
   */
  metricsExportMode?: 'instruments' | 'producer';
  /** Frameworks not to patch. Env override: `OTEL_ML_DISABLED_FRAMEWORKS=onnxruntime,mljs`. */
  disabledFrameworks?: readonly MlFramework[];
  /**
   * Return false to leave a model call uninstrumented. Useful for libraries that
   * build helper ONNX sessions from bytes (transformers.js creates small ones for
   * tensor ops): `filter: (i) => i.modelPath !== undefined`.
   */
  filter?: (info: MlModelCallInfo) => boolean;
  /** Only create spans when there is an active parent span (metrics are recorded regardless). Default false. */
  requireParentSpan?: boolean;
  /** Create `load {model}` spans for ONNX `InferenceSession.create`. Default true. */
  captureLoadSpans?: boolean;
  /** Largest number of rows per call whose features and scores are recorded (the rest are counted, not recorded). Default 10000. */
  maxRecordedRows?: number;
  /** Called with each predict span before it ends, to add attributes. Exceptions are caught and logged. */
  predictHook?: (span: Span, info: MlModelCallInfo & { batchSize?: number; error?: unknown }) => void;
}
