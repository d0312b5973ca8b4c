/**
 * The conventions names the auto-instrumentation uses, re-exported from
 * `@otel-ml/conventions` so the patchers import them from one place.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_ML_BATCH_SIZE,
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_FEATURE_INPUT,
  ATTR_ML_MODEL_FRAMEWORK,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_PREDICTION_CLASS,
  ATTR_ML_PREDICTION_SCORE,
  EVENT_ML_FEATURES,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_INFERENCE_DURATION_BUCKETS,
  ML_MODEL_FRAMEWORK_VALUE_MLJS,
  ML_MODEL_FRAMEWORK_VALUE_ONNXRUNTIME,
  ML_MODEL_FRAMEWORK_VALUE_TENSORFLOWJS,
  ML_OPERATION_NAME_VALUE_LOAD,
  ML_OPERATION_NAME_VALUE_PREDICT,
} from '@otel-ml/conventions';

/** `error.type` when the thrown value is not an Error (OpenTelemetry's fallback value). */
export const ERROR_TYPE_OTHER = '_OTHER';
