import * as N from '../names.js';

/** Static description of one instrumentation metric. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: 'histogram' | 'sum';
  readonly unit: string;
  readonly description: string;
}

/** Every metric the instrumentation emits, in snapshot order. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  {
    name: N.METRIC_ML_INFERENCE_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of model inference calls',
  },
  { name: N.METRIC_ML_PREDICTIONS, kind: 'sum', unit: '{prediction}', description: 'Rows predicted' },
  {
    name: N.METRIC_ML_FEATURE_VALUE,
    kind: 'histogram',
    unit: '1',
    description: 'Distribution of numeric feature values',
  },
  {
    name: N.METRIC_ML_FEATURE_MISSING,
    kind: 'sum',
    unit: '{value}',
    description: 'Missing feature values (null, undefined, NaN, empty or invalid)',
  },
  {
    name: N.METRIC_ML_FEATURE_CATEGORY_COUNT,
    kind: 'sum',
    unit: '{value}',
    description: 'Categorical feature values per category',
  },
  {
    name: N.METRIC_ML_FEATURE_INVALID,
    kind: 'sum',
    unit: '{value}',
    description: 'Feature values of the wrong type (also counted as missing)',
  },
  {
    name: N.METRIC_ML_FEATURE_UNKNOWN,
    kind: 'sum',
    unit: '{row}',
    description: 'Rows with an undeclared feature name (on a sample of rows), by name',
  },
  {
    name: N.METRIC_ML_FEATURE_CATEGORY_UNSEEN,
    kind: 'sum',
    unit: '{value}',
    description: 'The most frequent categorical values outside the known categories (bounded)',
  },
  {
    name: N.METRIC_ML_PREDICTION_SCORE,
    kind: 'histogram',
    unit: '1',
    description: 'Distribution of prediction scores',
  },
  {
    name: N.METRIC_ML_PREDICTION_VALUE,
    kind: 'histogram',
    unit: '1',
    description: 'Distribution of regression outputs',
  },
  {
    name: N.METRIC_ML_OUTCOME_SCORE,
    kind: 'histogram',
    unit: '1',
    description: 'Scores of predictions with a known outcome, by true label',
  },
  {
    name: N.METRIC_ML_OUTCOMES,
    kind: 'sum',
    unit: '{outcome}',
    description: 'Outcomes by predicted class and true label',
  },
  {
    name: N.METRIC_ML_OUTCOME_ERROR,
    kind: 'histogram',
    unit: '1',
    description: 'Signed regression error (prediction - truth)',
  },
  {
    name: N.METRIC_ML_OUTCOME_ERROR_ABSOLUTE,
    kind: 'histogram',
    unit: '1',
    description: 'Absolute regression error; sum/count is the MAE',
  },
  {
    name: N.METRIC_ML_OUTCOME_ERROR_SQUARED,
    kind: 'histogram',
    unit: '1',
    description: 'Squared regression error; sqrt(sum/count) is the RMSE',
  },
  { name: N.METRIC_ML_OUTCOME_DELAY, kind: 'histogram', unit: 's', description: 'Time from prediction to outcome' },
  {
    name: N.METRIC_ML_OUTCOME_UNMATCHED,
    kind: 'sum',
    unit: '{outcome}',
    description: 'Outcomes that could not be joined to a prediction',
  },
  {
    name: N.METRIC_ML_SHADOW_AGREEMENT,
    kind: 'sum',
    unit: '{comparison}',
    description: 'Shadow model outputs compared with the primary',
  },
  {
    name: N.METRIC_ML_BUSINESS_VALUE,
    kind: 'histogram',
    unit: '1',
    description: 'Business values attributed to predictions',
  },
  {
    name: N.METRIC_ML_FEATURE_PROJECTION,
    kind: 'histogram',
    unit: '1',
    description: 'Random projections of the standardized numeric features',
  },
  { name: N.METRIC_ML_FEATURE_ATTRIBUTION, kind: 'histogram', unit: '1', description: 'Absolute feature attributions' },
];

export const METRIC_BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(
  METRIC_DEFINITIONS.map((d) => [d.name, d]),
);
