import type { Attributes } from '@opentelemetry/api';
import type { MlDeploymentRole, MlFramework, MlModelCallInfo, MlModelConfig, MlModelTask } from './types.js';

/** A model's identity once config and defaults are applied. */
export interface ResolvedModel {
  readonly name: string;
  readonly version: string;
  /** Undefined until known: from config, or inferred from the first output. */
  readonly task: MlModelTask | undefined;
  readonly role: MlDeploymentRole;
  readonly framework: MlFramework;
  readonly features: readonly string[] | undefined;
  readonly classes: readonly string[] | undefined;
  readonly scoreOutput: MlModelConfig['scoreOutput'];
  readonly remote: boolean;
  readonly baseline?: MlModelConfig['baseline'];
  readonly threshold?: number;
}

/** A row-major numeric matrix (rows x cols) over a flat array. */
export interface NumericMatrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** The prediction part of a call's result, in the framework-neutral form the recorder reads. */
export type PredictionData =
  /** Scores per row: one column (binary score), or one column per class. */
  | {
      readonly kind: 'scores';
      readonly matrix: NumericMatrix;
      /** The column holding the score of a binary model (for example 1 of a [batch, 2] output). */
      readonly scoreColumn?: number;
      /** A one-column matrix holding the scores of this one class (ml.js `predictProbability(X, label)`). */
      readonly classLabel?: string;
    }
  /** Regression outputs, one per row. */
  | { readonly kind: 'values'; readonly values: ArrayLike<number> }
  /** Predicted class labels, one per row. */
  | { readonly kind: 'labels'; readonly labels: ArrayLike<string | number> };

/** What a patcher extracted from one model call. */
export interface BatchData {
  readonly batchSize?: number;
  /** Feature matrix whose columns are the model's named features (only when named). */
  readonly features?: NumericMatrix;
  readonly prediction?: PredictionData;
  /** Task implied by the output shape, used when config gives none. */
  readonly inferredTask?: MlModelTask;
}

/** One finished model call, handed to the metrics side. */
export interface InferenceRecord {
  readonly model: ResolvedModel;
  readonly operation: 'predict' | 'load';
  readonly durationSeconds: number;
  /** Set when the call threw or rejected. */
  readonly errorType?: string;
  readonly batch?: BatchData;
}

/** Where finished calls go for metrics. */
export interface InferenceMetricsSink {
  record(call: InferenceRecord): void;
  /** The task last inferred for a model whose config gives none (so failed calls and loads carry it too). */
  knownTask(model: ResolvedModel): MlModelTask | undefined;
}

/** A model call about to run, as a patcher describes it. */
export interface CallDescriptor {
  readonly info: MlModelCallInfo;
  /** Explicit identity from `MlInstrumentation.identify` or a patcher's own lookup. */
  readonly identity?: MlModelConfig | string;
}

/** Base attributes of spans and metrics for a model. */
export type ModelAttributes = Attributes;

/** A function on an object that the instrumentation replaces with a wrapper. */
export interface PatchTarget {
  readonly owner: object;
  readonly method: string;
  readonly wrap: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown;
}

/** What one framework contributes: the modules to hook and what to wrap in their exports. */
export interface FrameworkPatcher {
  readonly framework: import('./types.js').MlFramework;
  /** Module names with their supported (closed) version ranges. */
  readonly modules: readonly { readonly name: string; readonly versions: readonly string[] }[];
  /** The functions to wrap in a module's exports (a CJS exports object or an ESM namespace). */
  targets(moduleExports: unknown): PatchTarget[];
}
