/**
 * The fraud model served by the example service: the demo's logistic regression over six numeric
 * features (examples/demo/traffic.ts), in plain TypeScript, plus a retrained candidate ("v2") that
 * the manual variant runs in shadow.
 */
import { FEATURES, MODEL_SPEC } from '../demo/traffic.js';
import type { LogisticModelSpec } from '../models/onnx-model.js';

export { FEATURES, MODEL_SPEC };
export type FeatureName = (typeof FEATURES)[number];

/** One request row: feature values by name (null or absent = missing). */
export type Instance = Partial<Record<FeatureName, number | null>>;

/** The candidate: trusts merchant risk more and transaction counts less. */
export const CANDIDATE_SPEC: LogisticModelSpec = { weights: [0.004, -0.02, -0.002, 0.05, 4.2, 0.01], bias: -3.3 };

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Feature values in model order; a missing value becomes NaN (the instrumentation counts it as missing). */
export function featureVector(x: Instance): number[] {
  return FEATURES.map((f) => {
    const v = x[f];
    return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
  });
}

/** Scores a batch with sigmoid(w . x + b). A missing value is imputed with 0 (the training pipeline's choice). */
export function scoreBatch(spec: LogisticModelSpec, rows: readonly number[][]): number[] {
  return rows.map((x) => sigmoid(x.reduce((z, v, k) => z + (Number.isNaN(v) ? 0 : v) * spec.weights[k]!, spec.bias)));
}
