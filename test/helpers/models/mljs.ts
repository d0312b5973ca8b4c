/**
 * Test-time ml.js models trained in-test on a tiny, deterministic dataset.
 *
 * The library constructors are passed in, so a test can load the modules
 * after enabling the instrumentation.
 */
import type { RandomForestClassifier as RfcType, RandomForestRegression as RfrType } from 'ml-random-forest';
import type { Matrix as MatrixType } from 'ml-matrix';

/** The part of ml-logistic-regression (which ships no types) these tests use. */
export interface LogisticRegressionModel {
  train(X: MatrixType, y: MatrixType): void;
  predict(X: MatrixType): number[];
}
export type LogisticRegressionCtor = new (options?: {
  numSteps?: number;
  learningRate?: number;
}) => LogisticRegressionModel;

/**
 * Two numeric features; the label is 1 when x0 + x1 > 1. Points on a fixed
 * 5 x 5 grid in [0, 1]^2 (25 rows), so training is deterministic.
 */
export function gridDataset(): { X: number[][]; y: number[] } {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const row = [i / 4, j / 4];
      X.push(row);
      y.push(row[0]! + row[1]! > 1 ? 1 : 0);
    }
  }
  return { X, y };
}

export function trainLogistic(
  LogisticRegression: LogisticRegressionCtor,
  Matrix: typeof MatrixType,
): LogisticRegressionModel {
  const { X, y } = gridDataset();
  const model = new LogisticRegression({ numSteps: 300, learningRate: 0.05 });
  model.train(new Matrix(X), Matrix.columnVector(y));
  return model;
}

const forestOptions = { seed: 3, nEstimators: 5, maxFeatures: 1.0, replacement: false, useSampleBagging: false };

export function trainForestClassifier(RandomForestClassifier: typeof RfcType): RfcType {
  const { X, y } = gridDataset();
  const model = new RandomForestClassifier(forestOptions);
  model.train(X, y);
  return model;
}

export function trainForestRegression(RandomForestRegression: typeof RfrType): RfrType {
  const { X } = gridDataset();
  const target = X.map((r) => 2 * r[0]! - r[1]!);
  const model = new RandomForestRegression(forestOptions);
  model.train(X, target);
  return model;
}
