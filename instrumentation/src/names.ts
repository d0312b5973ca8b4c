/**
 * Names and bucket boundaries used by the instrumentation, from the otel-ml semantic-convention
 * registry (`@otel-ml/conventions`), plus the few defaults the registry leaves to us.
 */
import {
  ATTR_ML_SLICE,
  METRIC_ML_BUSINESS_VALUE_BUCKETS,
  METRIC_ML_FEATURE_VALUE_EXPONENTIAL,
  METRIC_ML_INFERENCE_DURATION_BUCKETS,
  METRIC_ML_OUTCOME_DELAY_BUCKETS,
  METRIC_ML_PREDICTION_SCORE_BUCKETS,
} from '@otel-ml/conventions';

export {
  ATTR_ERROR_TYPE,
  ATTR_ML_BATCH_SIZE,
  ATTR_ML_BUSINESS_METRIC,
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_FEATURE_CATEGORY,
  ATTR_ML_FEATURE_INPUT,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_FEATURE_PROJECTION_BASIS,
  ATTR_ML_FEATURE_PROJECTION_INDEX,
  ATTR_ML_FEATURE_TYPE,
  ATTR_ML_MODEL_FRAMEWORK,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_OUTCOME_LABEL,
  ATTR_ML_OUTCOME_UNMATCHED_REASON,
  ATTR_ML_PREDICTION_CLASS,
  ATTR_ML_PREDICTION_ID,
  ATTR_ML_PREDICTION_SCORE,
  ATTR_ML_SHADOW_RESULT,
  EVENT_ML_FEATURES,
  METRIC_ML_BUSINESS_VALUE,
  METRIC_ML_FEATURE_ATTRIBUTION,
  METRIC_ML_FEATURE_ATTRIBUTION_BUCKETS,
  METRIC_ML_FEATURE_CATEGORY_COUNT,
  METRIC_ML_FEATURE_CATEGORY_UNSEEN,
  METRIC_ML_FEATURE_INVALID,
  METRIC_ML_FEATURE_MISSING,
  METRIC_ML_FEATURE_PROJECTION,
  METRIC_ML_FEATURE_PROJECTION_BUCKETS,
  METRIC_ML_FEATURE_UNKNOWN,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_OUTCOME_DELAY,
  METRIC_ML_OUTCOME_ERROR,
  METRIC_ML_OUTCOME_ERROR_ABSOLUTE,
  METRIC_ML_OUTCOME_ERROR_ABSOLUTE_BUCKETS,
  METRIC_ML_OUTCOME_ERROR_BUCKETS,
  METRIC_ML_OUTCOME_ERROR_SQUARED,
  METRIC_ML_OUTCOME_ERROR_SQUARED_BUCKETS,
  METRIC_ML_OUTCOME_SCORE,
  METRIC_ML_OUTCOME_UNMATCHED,
  METRIC_ML_OUTCOMES,
  METRIC_ML_PREDICTION_SCORE,
  METRIC_ML_PREDICTION_VALUE,
  METRIC_ML_PREDICTION_VALUE_BUCKETS,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_SHADOW_AGREEMENT,
} from '@otel-ml/conventions';

/** Template `ml.slice.<key>`: the prefix. */
export const ATTR_ML_SLICE_PREFIX = ATTR_ML_SLICE('');

/** The value standing for every category/class/label/slice value beyond a bounded set. */
export { CATEGORY_OVERFLOW as OVERFLOW_VALUE } from '@otel-ml/conventions';

/** `ml.prediction.score` / `ml.outcome.score`: 0.005, 0.010, ..., 0.995 (199 boundaries, 200 buckets). */
export const SCORE_BOUNDARIES: readonly number[] = METRIC_ML_PREDICTION_SCORE_BUCKETS;

/** `ml.inference.duration`, seconds. */
export const DURATION_BOUNDARIES: readonly number[] = METRIC_ML_INFERENCE_DURATION_BUCKETS;

/** `ml.outcome.delay`, seconds. */
export const OUTCOME_DELAY_BOUNDARIES: readonly number[] = METRIC_ML_OUTCOME_DELAY_BUCKETS;

/**
 * The registry's symmetric 1-2-5 scale: the default boundaries of `ml.business.value` (numeric
 * features no longer use fixed default boundaries: see {@link DEFAULT_EXPONENTIAL_MAX_BUCKETS}).
 */
export const DEFAULT_VALUE_BOUNDARIES: readonly number[] = METRIC_ML_BUSINESS_VALUE_BUCKETS;

/**
 * Numeric features without explicit boundaries are base-2 exponential histograms with at most
 * this many buckets per sign (the registry's `ml.feature.value` default, chosen by measurement:
 * see the `exponentialMaxBuckets` option).
 */
export const DEFAULT_EXPONENTIAL_MAX_BUCKETS: number = METRIC_ML_FEATURE_VALUE_EXPONENTIAL.maxSize;

/** The scale the exponential histograms of numeric features start at. */
export const EXPONENTIAL_START_SCALE: number = METRIC_ML_FEATURE_VALUE_EXPONENTIAL.maxScale;
