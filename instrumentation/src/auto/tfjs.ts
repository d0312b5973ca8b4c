/**
 * TensorFlow.js: patches `LayersModel.predict` / `predictOnBatch` (and the
 * `Sequential` overrides, which call the inner LayersModel) from
 * `@tensorflow/tfjs-layers`, and `GraphModel.execute` / `executeAsync` (which
 * `predict` / `predictAsync` call) from `@tensorflow/tfjs-converter`. Nested
 * calls record nothing (see `inModelCall`), so each user call is one span.
 *
 * Reading features and scores downloads the tensors with `dataSync()`: cheap
 * on the CPU backend, a GPU sync on WebGL (turn off with `captureFeatures` and
 * no `features` config if that matters).
 */
import { batchFromTensors, batchSizeOf, featureMatrix, joinColumns, scoreSelector, selectOutput } from './batch.js';
import type { FlatTensor } from './batch.js';
import { modelNameFromPath } from './config.js';
import type { BatchData, FrameworkPatcher, PatchTarget, ResolvedModel } from './internal-types.js';
import { traceModelCall } from './telemetry.js';
import type { TelemetryHost } from './telemetry.js';
import type { MlModelCallInfo, MlModelConfig } from './types.js';

export const TFJS_LAYERS = '@tensorflow/tfjs-layers';
export const TFJS_CONVERTER = '@tensorflow/tfjs-converter';
export const TFJS_VERSIONS = ['>=3.0.0 <5'];

interface TfTensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly isDisposed: boolean;
  dataSync(): ArrayLike<number> | unknown;
}

interface LayersModelLike {
  readonly name?: string;
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
}

interface GraphModelLike {
  readonly modelUrl?: unknown;
  readonly inputNodes?: readonly string[];
  readonly outputNodes?: readonly string[];
}

function isTensor(v: unknown): v is TfTensorLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as TfTensorLike).shape) &&
    typeof (v as TfTensorLike).dataSync === 'function'
  );
}

function flat(t: TfTensorLike): FlatTensor | undefined {
  if (t.isDisposed || (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool')) return undefined;
  return { data: t.dataSync() as ArrayLike<number>, dims: t.shape };
}

/** Tensors of a tfjs input or output (Tensor, Tensor[] or NamedTensorMap) by name. */
function namedTensors(value: unknown, names: readonly string[]): Map<string, TfTensorLike> {
  const out = new Map<string, TfTensorLike>();
  if (isTensor(value)) out.set(names[0] ?? '0', value);
  else if (Array.isArray(value)) value.forEach((t, i) => isTensor(t) && out.set(names[i] ?? String(i), t));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, t] of Object.entries(value)) if (isTensor(t)) out.set(k, t);
  }
  return out;
}

/** Reads batch size, named features and the score output of one call. */
export function describeTfCall(
  model: ResolvedModel,
  input: unknown,
  inputNames: readonly string[],
  output: unknown,
  outputNames: readonly string[],
): BatchData {
  const inputs = namedTensors(input, inputNames);
  const first = inputs.values().next().value;
  const batchSize = first !== undefined ? batchSizeOf(first.shape) : undefined;
  let features = undefined;
  if (model.features !== undefined && first !== undefined) {
    if (inputs.size === 1) {
      features = featureMatrix(model, flat(first));
    } else {
      const flats = new Map<string, FlatTensor>();
      for (const [k, t] of inputs) {
        const f = flat(t);
        if (f !== undefined) flats.set(k, f);
      }
      features = joinColumns(model.features, flats);
    }
  }
  const outputs = namedTensors(output, outputNames);
  const names = [...outputs.keys()];
  const { output: selector, column } = scoreSelector(model);
  const index = selectOutput(names, selector);
  const chosen = index >= 0 ? outputs.get(names[index]!) : undefined;
  return batchFromTensors(model, features, batchSize, chosen !== undefined ? flat(chosen) : undefined, column);
}

function graphModelKey(model: GraphModelLike): { modelKey: string; modelPath?: string } {
  const url = model.modelUrl;
  if (typeof url === 'string') return { modelKey: modelNameFromPath(url), modelPath: url };
  return { modelKey: 'graph-model' };
}

type ExplicitIdentity = (model: object) => MlModelConfig | string | undefined;

function withIdentity(
  info: MlModelCallInfo,
  identity: MlModelConfig | string | undefined,
): { info: MlModelCallInfo; identity?: MlModelConfig | string } {
  return identity !== undefined ? { info, identity } : { info };
}

function layersTargets(host: TelemetryHost, explicitIdentity: ExplicitIdentity, proto: object): PatchTarget[] {
  return ['predict', 'predictOnBatch']
    .filter(
      (m) =>
        Object.prototype.hasOwnProperty.call(proto, m) && typeof (proto as Record<string, unknown>)[m] === 'function',
    )
    .map((method) => ({
      owner: proto,
      method,
      wrap: (original) =>
        function patchedPredict(this: LayersModelLike, ...args: unknown[]): unknown {
          const info: MlModelCallInfo = {
            framework: 'tensorflowjs',
            operation: 'predict',
            modelKey: this.name ?? 'layers-model',
            inputNames: this.inputNames ?? [],
            outputNames: this.outputNames ?? [],
            model: this,
          };
          return traceModelCall(
            host,
            withIdentity(info, explicitIdentity(this)),
            () => original.apply(this, args),
            (model, result) => describeTfCall(model, args[0], this.inputNames ?? [], result, this.outputNames ?? []),
          );
        },
    }));
}

function graphTargets(host: TelemetryHost, explicitIdentity: ExplicitIdentity, proto: object): PatchTarget[] {
  return ['execute', 'executeAsync']
    .filter(
      (m) =>
        Object.prototype.hasOwnProperty.call(proto, m) && typeof (proto as Record<string, unknown>)[m] === 'function',
    )
    .map((method) => ({
      owner: proto,
      method,
      wrap: (original) =>
        function patchedExecute(this: GraphModelLike, ...args: unknown[]): unknown {
          const inputNodes = this.inputNodes ?? [];
          const requested = args[1];
          const outputNodes =
            typeof requested === 'string'
              ? [requested]
              : Array.isArray(requested)
                ? (requested as string[])
                : (this.outputNodes ?? []);
          const info: MlModelCallInfo = {
            framework: 'tensorflowjs',
            operation: 'predict',
            ...graphModelKey(this),
            inputNames: inputNodes,
            outputNames: outputNodes,
            model: this,
          };
          return traceModelCall(
            host,
            withIdentity(info, explicitIdentity(this)),
            () => original.apply(this, args),
            (model, result) => describeTfCall(model, args[0], inputNodes, result, outputNodes),
          );
        },
    }));
}

function prototypeOf(exports: unknown, name: string): object | undefined {
  const cls = (exports as Record<string, unknown> | undefined)?.[name];
  const proto = typeof cls === 'function' ? (cls as { prototype?: unknown }).prototype : undefined;
  return typeof proto === 'object' && proto !== null ? proto : undefined;
}

export function tfjsPatcher(host: TelemetryHost, explicitIdentity: ExplicitIdentity): FrameworkPatcher {
  return {
    framework: 'tensorflowjs',
    modules: [
      { name: TFJS_LAYERS, versions: TFJS_VERSIONS },
      { name: TFJS_CONVERTER, versions: TFJS_VERSIONS },
    ],
    targets(moduleExports: unknown): PatchTarget[] {
      const targets: PatchTarget[] = [];
      for (const cls of ['LayersModel', 'Sequential']) {
        const proto = prototypeOf(moduleExports, cls);
        if (proto !== undefined) targets.push(...layersTargets(host, explicitIdentity, proto));
      }
      const graph = prototypeOf(moduleExports, 'GraphModel');
      if (graph !== undefined) targets.push(...graphTargets(host, explicitIdentity, graph));
      return targets;
    },
  };
}
