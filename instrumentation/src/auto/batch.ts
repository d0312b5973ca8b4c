/**
 * Framework-neutral helpers that turn tensors (flat data + dims) into the
 * {@link BatchData} the recorder reads.
 */
import type { BatchData, NumericMatrix, PredictionData, ResolvedModel } from './internal-types.js';
import type { MlModelTask } from './types.js';

/** A tensor as every framework can present it: flat numeric data and its dims. */
export interface FlatTensor {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
}

/** Rows of a tensor: its first dimension (1 for a scalar). */
export function batchSizeOf(dims: readonly number[]): number {
  return dims.length === 0 ? 1 : dims[0]!;
}

/** A [rows, cols] view of a 1-D or 2-D tensor; undefined for other ranks. */
export function asMatrix(t: FlatTensor): NumericMatrix | undefined {
  if (t.dims.length === 1) return { data: t.data, rows: t.dims[0]!, cols: 1 };
  if (t.dims.length === 2) return { data: t.data, rows: t.dims[0]!, cols: t.dims[1]! };
  return undefined;
}

/** The feature matrix of a 2-D input whose column count matches the model's named features. */
export function featureMatrix(model: ResolvedModel, input: FlatTensor | undefined): NumericMatrix | undefined {
  if (model.features === undefined || input === undefined || input.dims.length !== 2) return undefined;
  const m = asMatrix(input);
  return m !== undefined && m.cols === model.features.length ? m : undefined;
}

/**
 * Joins single-column inputs (one tensor per feature, shape [batch] or
 * [batch, 1], as sklearn-onnx exports with one input per column) into one
 * matrix ordered like `names`. Undefined unless every name has such an input.
 */
export function joinColumns(
  names: readonly string[],
  inputs: ReadonlyMap<string, FlatTensor>,
): NumericMatrix | undefined {
  let rows = -1;
  const columns: ArrayLike<number>[] = [];
  for (const name of names) {
    const t = inputs.get(name);
    if (t === undefined) return undefined;
    const isColumn = t.dims.length === 1 || (t.dims.length === 2 && t.dims[1] === 1);
    if (!isColumn) return undefined;
    if (rows === -1) rows = t.dims[0]!;
    else if (rows !== t.dims[0]) return undefined;
    columns.push(t.data);
  }
  if (rows < 0) return undefined;
  const data = new Float64Array(rows * names.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < names.length; c++) data[r * names.length + c] = Number(columns[c]![r]);
  }
  return { data, rows, cols: names.length };
}

/** Task implied by an output matrix: 1 or 2 columns binary, more multiclass. */
export function taskFromColumns(cols: number): MlModelTask {
  return cols <= 2 ? 'binary_classification' : 'multiclass_classification';
}

/**
 * The prediction in an output matrix. Regression reads column 0 as the value;
 * classification keeps the score matrix, with `scoreColumn` from config or
 * (for two columns) the positive class, column 1.
 */
export function predictionFromMatrix(
  model: ResolvedModel,
  m: NumericMatrix,
  configuredColumn?: number,
): { prediction: PredictionData; inferredTask: MlModelTask } {
  const task = model.task ?? taskFromColumns(m.cols);
  if (task === 'regression') {
    const values = m.cols === 1 ? m.data : Float64Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols]!);
    return { prediction: { kind: 'values', values }, inferredTask: task };
  }
  const scoreColumn = configuredColumn ?? (m.cols === 2 && task !== 'multiclass_classification' ? 1 : undefined);
  return {
    prediction: { kind: 'scores', matrix: m, ...(scoreColumn !== undefined ? { scoreColumn } : {}) },
    inferredTask: task,
  };
}

/** Batch data from a feature input and a chosen output tensor. */
export function batchFromTensors(
  model: ResolvedModel,
  features: NumericMatrix | undefined,
  batchSize: number | undefined,
  output: FlatTensor | undefined,
  configuredColumn?: number,
): BatchData {
  const m = output !== undefined ? asMatrix(output) : undefined;
  const pred = m !== undefined ? predictionFromMatrix(model, m, configuredColumn) : undefined;
  return {
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(features !== undefined ? { features } : {}),
    ...(pred !== undefined ? { prediction: pred.prediction, inferredTask: pred.inferredTask } : {}),
  };
}

/** Index of the output named or numbered by `selector` among `names`; default the last. */
export function selectOutput(names: readonly string[], selector: string | number | undefined): number {
  if (typeof selector === 'number') return selector >= 0 && selector < names.length ? selector : -1;
  if (typeof selector === 'string') return names.indexOf(selector);
  return names.length - 1;
}

/** Splits `scoreOutput` config into the output selector and the column. */
export function scoreSelector(model: ResolvedModel): {
  output: string | number | undefined;
  column: number | undefined;
} {
  const s = model.scoreOutput;
  if (s !== undefined && typeof s === 'object') return { output: s.output, column: s.column };
  return { output: s, column: undefined };
}
