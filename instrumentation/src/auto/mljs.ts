/**
 * ml.js: patches `predict` of `ml-logistic-regression`'s LogisticRegression
 * and of `ml-random-forest`'s forests (defined once on their shared base
 * class), and `RandomForestClassifier.predictProbability`.
 *
 * The default model name is the class name; give each model its own with
 * `MlInstrumentation.identify(model, 'churn')` or the `models` config.
 */
import type { BatchData, FrameworkPatcher, NumericMatrix, PatchTarget, ResolvedModel } from './internal-types.js';
import { traceModelCall } from './telemetry.js';
import type { TelemetryHost } from './telemetry.js';
import type { MlModelCallInfo, MlModelConfig, MlModelTask } from './types.js';

export const ML_LOGISTIC_REGRESSION = 'ml-logistic-regression';
export const ML_RANDOM_FOREST = 'ml-random-forest';
export const ML_LOGISTIC_REGRESSION_VERSIONS = ['>=2.0.0 <3'];
export const ML_RANDOM_FOREST_VERSIONS = ['>=2.0.0 <3'];

/** An ml-matrix Matrix (or any AbstractMatrix). */
interface MatrixLike {
  readonly rows: number;
  readonly columns: number;
  get(row: number, column: number): number;
}

function isMatrix(v: unknown): v is MatrixLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as MatrixLike).rows === 'number' &&
    typeof (v as MatrixLike).get === 'function'
  );
}

/** Rows of an ml.js input: a Matrix, number[][] or a single number[] row. */
export function mljsInput(x: unknown): NumericMatrix | undefined {
  if (isMatrix(x)) {
    const data = new Float64Array(x.rows * x.columns);
    for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.columns; c++) data[r * x.columns + c] = x.get(r, c);
    return { data, rows: x.rows, cols: x.columns };
  }
  if (!Array.isArray(x)) return undefined;
  if (x.length > 0 && !Array.isArray(x[0]))
    return { data: Float64Array.from(x as number[], Number), rows: 1, cols: x.length };
  const rows = x as unknown[][];
  const cols = rows.length > 0 ? rows[0]!.length : 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, r) => {
    for (let c = 0; c < cols; c++) data[r * cols + c] = Number(row[c]);
  });
  return { data, rows: rows.length, cols };
}

/** Task from the class of model, when config gives none. */
function defaultTask(model: object): MlModelTask {
  const name = model.constructor?.name ?? '';
  if (/Regression$/.test(name) && name !== 'LogisticRegression') return 'regression';
  const n = (model as { numberClasses?: unknown }).numberClasses;
  if (typeof n === 'number') return n <= 2 ? 'binary_classification' : 'multiclass_classification';
  return 'multiclass_classification';
}

/** Reads features and predictions of a `predict` / `predictProbability` call. */
export function describeMljsCall(
  model: ResolvedModel,
  target: object,
  method: string,
  args: readonly unknown[],
  result: unknown,
): BatchData {
  const input = mljsInput(args[0]);
  const task = model.task ?? defaultTask(target);
  const features =
    model.features !== undefined && input !== undefined && input.cols === model.features.length ? input : undefined;
  const out = Array.isArray(result) ? (result as unknown[]) : undefined;
  const base: BatchData = {
    inferredTask: task,
    ...(input !== undefined ? { batchSize: input.rows } : {}),
    ...(features !== undefined ? { features } : {}),
  };
  if (out === undefined) return base;
  if (method === 'predictProbability') {
    const label = args[1];
    const matrix = { data: Float64Array.from(out, Number), rows: out.length, cols: 1 };
    return {
      ...base,
      prediction: {
        kind: 'scores',
        matrix,
        ...(task === 'multiclass_classification' ? { classLabel: String(label) } : {}),
      },
    };
  }
  if (task === 'regression') return { ...base, prediction: { kind: 'values', values: Float64Array.from(out, Number) } };
  return { ...base, prediction: { kind: 'labels', labels: out.map((v) => (typeof v === 'number' ? v : String(v))) } };
}

type ExplicitIdentity = (model: object) => MlModelConfig | string | undefined;

function predictTarget(
  host: TelemetryHost,
  explicitIdentity: ExplicitIdentity,
  owner: object,
  method: string,
): PatchTarget {
  return {
    owner,
    method,
    wrap: (original) =>
      function patchedMljsPredict(this: object, ...args: unknown[]): unknown {
        const info: MlModelCallInfo = {
          framework: 'mljs',
          operation: 'predict',
          modelKey: this.constructor?.name ?? 'mljs-model',
          model: this,
        };
        const identity = explicitIdentity(this);
        return traceModelCall(
          host,
          identity !== undefined ? { info, identity } : { info },
          () => original.apply(this, args),
          (model, result) => describeMljsCall(model, this, method, args, result),
        );
      },
  };
}

/** The class in a module's exports: the CJS export itself or an ESM namespace's named / default export. */
function exported(moduleExports: unknown, name: string | undefined): unknown {
  const ns = moduleExports as Record<string, unknown> | undefined;
  if (name === undefined) return typeof moduleExports === 'function' ? moduleExports : ns?.default;
  return ns?.[name] ?? (ns?.default as Record<string, unknown> | undefined)?.[name];
}

function ownMethod(proto: unknown, method: string): proto is object {
  return (
    typeof proto === 'object' &&
    proto !== null &&
    Object.prototype.hasOwnProperty.call(proto, method) &&
    typeof (proto as Record<string, unknown>)[method] === 'function'
  );
}

export function mljsPatcher(host: TelemetryHost, explicitIdentity: ExplicitIdentity): FrameworkPatcher {
  return {
    framework: 'mljs',
    modules: [
      { name: ML_LOGISTIC_REGRESSION, versions: ML_LOGISTIC_REGRESSION_VERSIONS },
      { name: ML_RANDOM_FOREST, versions: ML_RANDOM_FOREST_VERSIONS },
    ],
    targets(moduleExports: unknown): PatchTarget[] {
      const targets: PatchTarget[] = [];
      const add = (owner: unknown, method: string): void => {
        if (ownMethod(owner, method) && !targets.some((t) => t.owner === owner && t.method === method)) {
          targets.push(predictTarget(host, explicitIdentity, owner, method));
        }
      };
      const lr = exported(moduleExports, undefined);
      if (typeof lr === 'function' && lr.name === 'LogisticRegression') add(lr.prototype, 'predict');
      for (const name of ['RandomForestClassifier', 'RandomForestRegression']) {
        const cls = exported(moduleExports, name);
        if (typeof cls !== 'function') continue;
        const proto: unknown = cls.prototype;
        // predict lives on the shared base class; patch it there once.
        add(ownMethod(proto, 'predict') ? proto : Object.getPrototypeOf(proto), 'predict');
        add(proto, 'predictProbability');
      }
      return targets;
    },
  };
}
