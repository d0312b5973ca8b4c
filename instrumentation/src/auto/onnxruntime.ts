/**
 * onnxruntime: patches `InferenceSession` of `onnxruntime-common`, the package
 * every onnxruntime binding (onnxruntime-node, onnxruntime-web, and so
 * transformers.js) re-exports its session class from. `run` becomes a
 * `predict {model}` span, `create` a `load {model}` span.
 *
 * onnxruntime-common ships CommonJS (`dist/cjs`, what onnxruntime-node
 * `require`s) and ESM (`dist/esm`) builds; they are separate classes, and each
 * is patched when its entry loads (require hook or import hook).
 */
import {
  batchFromTensors,
  batchSizeOf,
  featureMatrix,
  joinColumns,
  scoreSelector,
  selectOutput,
  taskFromColumns,
} from './batch.js';
import type { FlatTensor } from './batch.js';
import { keyFromBytes } from './config.js';
import type { BatchData, FrameworkPatcher, PatchTarget, ResolvedModel } from './internal-types.js';
import { traceModelCall } from './telemetry.js';
import type { TelemetryHost } from './telemetry.js';
import type { MlModelCallInfo, MlModelConfig } from './types.js';

export const ONNXRUNTIME_COMMON = 'onnxruntime-common';
export const ONNXRUNTIME_VERSIONS = ['>=1.16.0 <2'];

/** The parts of an onnxruntime-common tensor read here. */
interface OrtTensorLike {
  readonly dims: readonly number[];
  readonly type: string;
  readonly location?: string;
  readonly data: unknown;
}

interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

interface SessionIdentity {
  readonly modelPath?: string;
  readonly modelKey: string;
}

/** Where each session came from, recorded by the patched `create`. */
const sessionIdentities = new WeakMap<object, SessionIdentity>();

function isTensor(v: unknown): v is OrtTensorLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as OrtTensorLike).dims) &&
    typeof (v as OrtTensorLike).type === 'string'
  );
}

const NUMERIC_TYPES = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float16']);

/** A tensor's data as numbers (CPU tensors of numeric types only). */
function flat(t: OrtTensorLike): FlatTensor | undefined {
  if (t.location !== undefined && t.location !== 'cpu') return undefined;
  if (!NUMERIC_TYPES.has(t.type)) return undefined;
  const data = t.data as ArrayLike<number>;
  return { data, dims: t.dims };
}

function identityFromArgs(args: readonly unknown[]): SessionIdentity {
  const a0 = args[0];
  if (typeof a0 === 'string') return { modelPath: a0, modelKey: a0 };
  if (a0 instanceof Uint8Array) return { modelKey: keyFromBytes('onnx', a0) };
  if (a0 instanceof ArrayBuffer) {
    const offset = typeof args[1] === 'number' ? args[1] : 0;
    const length = typeof args[2] === 'number' ? args[2] : a0.byteLength - offset;
    return { modelKey: keyFromBytes('onnx', new Uint8Array(a0, offset, length)) };
  }
  return { modelKey: 'onnx-model' };
}

function callInfo(
  session: OrtSessionLike | undefined,
  id: SessionIdentity,
  operation: 'predict' | 'load',
): MlModelCallInfo {
  return {
    framework: 'onnxruntime',
    operation,
    modelKey: id.modelKey,
    ...(id.modelPath !== undefined ? { modelPath: id.modelPath } : {}),
    ...(session !== undefined
      ? { inputNames: session.inputNames, outputNames: session.outputNames, model: session }
      : {}),
  };
}

/** Reads the features of the feeds and the score output of the results. */
export function describeRun(
  model: ResolvedModel,
  feeds: unknown,
  results: unknown,
  outputOrder: readonly string[],
): BatchData {
  const inputs = new Map<string, FlatTensor>();
  let batchSize: number | undefined;
  if (typeof feeds === 'object' && feeds !== null) {
    for (const [name, value] of Object.entries(feeds)) {
      if (!isTensor(value)) continue;
      batchSize ??= batchSizeOf(value.dims);
      const f = flat(value);
      if (f !== undefined) inputs.set(name, f);
    }
  }
  let features = undefined;
  if (model.features !== undefined) {
    features =
      inputs.size === 1 ? featureMatrix(model, inputs.values().next().value) : joinColumns(model.features, inputs);
  }
  const out = (typeof results === 'object' && results !== null ? results : {}) as Record<string, unknown>;
  const names = outputOrder.filter((n) => isTensor(out[n]));
  for (const n of Object.keys(out)) if (!names.includes(n) && isTensor(out[n])) names.push(n);
  const { output, column } = scoreSelector(model);
  let index = selectOutput(names, output);
  let chosen = index >= 0 ? flat(out[names[index]!] as OrtTensorLike) : undefined;
  // Default choice: the last numeric output (sklearn-onnx puts probabilities after labels).
  while (chosen === undefined && output === undefined && index > 0) {
    index--;
    chosen = flat(out[names[index]!] as OrtTensorLike);
  }
  return batchFromTensors(model, features, batchSize, chosen, column);
}

/** The task implied by the declared shape of the score output of a new session. */
export function describeLoad(model: ResolvedModel, session: unknown): BatchData {
  const meta = (
    session as
      | { outputMetadata?: readonly { name?: string; isTensor?: boolean; shape?: readonly (number | string)[] }[] }
      | undefined
  )?.outputMetadata;
  if (!Array.isArray(meta)) return {};
  const names = meta.map((m) => m.name ?? '');
  const { output } = scoreSelector(model);
  const chosen = meta[selectOutput(names, output)];
  const shape = chosen?.isTensor === false ? undefined : chosen?.shape;
  if (shape === undefined || shape.length === 0 || shape.length > 2) return {};
  const cols = shape.length === 1 ? 1 : shape[1];
  return typeof cols === 'number' ? { inferredTask: model.task ?? taskFromColumns(cols) } : {};
}

/** Assigns an identity to a session created before the instrumentation (or from bytes). */
export function sessionIdentityOf(session: object): SessionIdentity | undefined {
  return sessionIdentities.get(session);
}

export function onnxruntimePatcher(
  host: TelemetryHost,
  explicitIdentity: (model: object) => MlModelConfig | string | undefined,
): FrameworkPatcher {
  return {
    framework: 'onnxruntime',
    modules: [{ name: ONNXRUNTIME_COMMON, versions: ONNXRUNTIME_VERSIONS }],
    targets(moduleExports: unknown): PatchTarget[] {
      const Session = (moduleExports as { InferenceSession?: unknown } | undefined)?.InferenceSession;
      if (
        typeof Session !== 'function' ||
        typeof (Session as { prototype?: { run?: unknown } }).prototype?.run !== 'function'
      )
        return [];
      const run: PatchTarget = {
        owner: (Session as { prototype: object }).prototype,
        method: 'run',
        wrap: (original) =>
          function patchedRun(this: OrtSessionLike, ...args: unknown[]): unknown {
            const id = sessionIdentities.get(this) ?? { modelKey: 'onnx-model' };
            const identity = explicitIdentity(this);
            return traceModelCall(
              host,
              { info: callInfo(this, id, 'predict'), ...(identity !== undefined ? { identity } : {}) },
              () => original.apply(this, args),
              (model, results) => describeRun(model, args[0], results, this.outputNames),
            );
          },
      };
      const create: PatchTarget = {
        owner: Session,
        method: 'create',
        wrap: (original) =>
          function patchedCreate(this: unknown, ...args: unknown[]): unknown {
            const id = identityFromArgs(args);
            const remember = (session: unknown): void => {
              if (typeof session === 'object' && session !== null) sessionIdentities.set(session, id);
            };
            const invoke = (): unknown => {
              const p = original.apply(this, args) as Promise<unknown>;
              return p.then((session) => {
                remember(session);
                return session;
              });
            };
            if (host.getConfig().captureLoadSpans === false) return invoke();
            return traceModelCall(host, { info: callInfo(undefined, id, 'load') }, invoke, (model, session) =>
              describeLoad(model, session),
            );
          },
      };
      return [run, create];
    },
  };
}
