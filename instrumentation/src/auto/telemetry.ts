/**
 * The common part of every patched model call: span, timing, error handling,
 * and handing the finished call to the metrics sink.
 */
import { context, createContextKey, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { resolveModel } from './config.js';
import type {
  BatchData,
  CallDescriptor,
  InferenceMetricsSink,
  NumericMatrix,
  ResolvedModel,
} from './internal-types.js';
import {
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
  ERROR_TYPE_OTHER,
  EVENT_ML_FEATURES,
} from './semconv.js';
import type { MlInstrumentationConfig } from './types.js';

/** Set in the context of a model call, so nested instrumented calls (Sequential.predict -> LayersModel.predict) record nothing. */
const IN_MODEL_CALL = createContextKey('otel-ml model call');

/**
 * Synchronous nesting depth: covers the nested call even when no context
 * manager is registered (tfjs predict is synchronous).
 */
let syncDepth = 0;

/** True inside an instrumented model call. */
export function inModelCall(): boolean {
  return syncDepth > 0 || context.active().getValue(IN_MODEL_CALL) === true;
}

/** `error.type` of a thrown value: its class name, `_OTHER` for non-errors. */
export function errorType(err: unknown): string {
  if (err instanceof Error)
    return err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : err.name || 'Error';
  return ERROR_TYPE_OTHER;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The host's view the recorder needs; the instrumentation class provides it. */
export interface TelemetryHost {
  readonly tracer: Tracer;
  getConfig(): MlInstrumentationConfig;
  readonly metrics: InferenceMetricsSink;
}

/** The model attributes shared by spans and metrics. */
export function modelAttributes(model: ResolvedModel, task = model.task): Attributes {
  const attrs: Attributes = {
    [ATTR_ML_MODEL_NAME]: model.name,
    [ATTR_ML_MODEL_VERSION]: model.version,
    [ATTR_ML_DEPLOYMENT_ROLE]: model.role,
  };
  if (task !== undefined) attrs[ATTR_ML_MODEL_TASK] = task;
  return attrs;
}

/** Span attributes describing a one-row result (score / class). */
function singleRowAttributes(model: ResolvedModel, batch: BatchData): Attributes {
  const p = batch.prediction;
  if (p === undefined || batch.batchSize !== 1) return {};
  if (p.kind === 'labels' && p.labels.length === 1) return { [ATTR_ML_PREDICTION_CLASS]: String(p.labels[0]) };
  if (p.kind !== 'scores' || p.matrix.rows !== 1) return {};
  const { matrix, scoreColumn } = p;
  if (scoreColumn !== undefined || matrix.cols === 1)
    return { [ATTR_ML_PREDICTION_SCORE]: Number(matrix.data[scoreColumn ?? 0]) };
  let best = 0;
  for (let c = 1; c < matrix.cols; c++) if (matrix.data[c]! > matrix.data[best]!) best = c;
  return {
    [ATTR_ML_PREDICTION_CLASS]: model.classes?.[best] ?? String(best),
    [ATTR_ML_PREDICTION_SCORE]: Number(matrix.data[best]),
  };
}

interface CachedResolution {
  readonly config: MlInstrumentationConfig;
  readonly identity: CallDescriptor['identity'];
  readonly modelKey: string;
  readonly model: ResolvedModel | undefined;
}

/** Resolved identities per model object, valid while the config object, explicit identity and key are the same. */
const resolutions = new WeakMap<object, CachedResolution>();

function resolveCached(config: MlInstrumentationConfig, call: CallDescriptor): ResolvedModel | undefined {
  const key = call.info.model;
  if (typeof key !== 'object' || key === null) return resolveModel(config, call.info, call.identity);
  const hit = resolutions.get(key);
  if (
    hit !== undefined &&
    hit.config === config &&
    hit.identity === call.identity &&
    hit.modelKey === call.info.modelKey
  )
    return hit.model;
  const model = resolveModel(config, call.info, call.identity);
  resolutions.set(key, { config, identity: call.identity, modelKey: call.info.modelKey, model });
  return model;
}

/** Rows of raw feature values put on a span at most (as for the manual API's `wrap`). */
const MAX_FEATURE_EVENTS = 16;

/**
 * One `ml.features` event per row (at most 16), attributes `ml.feature.input.<name>` (values as
 * text, as the registry says): only with `captureFeatures`.
 */
function addFeatureEvents(span: Span, names: readonly string[], m: NumericMatrix): void {
  const rows = Math.min(m.rows, MAX_FEATURE_EVENTS);
  for (let r = 0; r < rows; r++) {
    const attrs: Attributes = {};
    for (let c = 0; c < m.cols && c < names.length; c++)
      attrs[ATTR_ML_FEATURE_INPUT(names[c]!)] = String(Number(m.data[r * m.cols + c]));
    span.addEvent(EVENT_ML_FEATURES, attrs);
  }
}

/**
 * Runs `invoke` (the original model call) inside a span, times it, and on
 * completion hands the call to the metrics sink. Errors are recorded on the
 * span and re-thrown (or the rejection passed on) unchanged; the return value
 * (or promise) is the original's. `describe` reads the call into
 * {@link BatchData}; after a failure it is called with an undefined result
 * (only the batch size is kept). Its errors are caught and logged.
 */
export function traceModelCall<T>(
  host: TelemetryHost,
  call: CallDescriptor,
  invoke: () => T,
  describe: (model: ResolvedModel, result: Awaited<T>) => BatchData,
): T {
  if (inModelCall()) return invoke();
  const config = host.getConfig();
  let model: ResolvedModel | undefined;
  try {
    if (config.filter !== undefined && !config.filter(call.info)) return invoke();
    model = resolveCached(config, call);
  } catch (err) {
    diag.error('otel-ml: resolving the model failed; calling it uninstrumented', err);
    return invoke();
  }
  if (model === undefined) return invoke();
  const resolved = model;
  const operation = call.info.operation;
  const parent = context.active();
  const wantSpan = !config.requireParentSpan || trace.getSpan(parent) !== undefined;
  const span = wantSpan
    ? host.tracer.startSpan(
        `${operation} ${resolved.name}`,
        {
          kind: resolved.remote ? SpanKind.CLIENT : SpanKind.INTERNAL,
          attributes: {
            [ATTR_ML_OPERATION_NAME]: operation,
            [ATTR_ML_MODEL_FRAMEWORK]: resolved.framework,
            ...modelAttributes(resolved),
          },
        },
        parent,
      )
    : undefined;
  const callContext: Context = (span !== undefined ? trace.setSpan(parent, span) : parent).setValue(
    IN_MODEL_CALL,
    true,
  );
  const start = performance.now();

  const finish = (err: unknown, failed: boolean, result?: Awaited<T>): void => {
    const durationSeconds = (performance.now() - start) / 1000;
    let batch: BatchData | undefined;
    try {
      const described = describe(resolved, result as Awaited<T>);
      // A failed call keeps only its batch size (for the failed-predictions count).
      batch = !failed ? described : described.batchSize !== undefined ? { batchSize: described.batchSize } : undefined;
    } catch (e) {
      diag.debug('otel-ml: could not read the model call', e);
    }
    const task = resolved.task ?? batch?.inferredTask ?? host.metrics.knownTask(resolved);
    const errType = failed ? errorType(err) : undefined;
    if (span !== undefined) {
      if (task !== undefined) span.setAttribute(ATTR_ML_MODEL_TASK, task);
      if (batch?.batchSize !== undefined) span.setAttribute(ATTR_ML_BATCH_SIZE, batch.batchSize);
      if (batch !== undefined) span.setAttributes(singleRowAttributes(resolved, batch));
      if (config.captureFeatures && batch?.features !== undefined && resolved.features !== undefined) {
        addFeatureEvents(span, resolved.features, batch.features);
      }
      if (failed) {
        span.setAttribute(ATTR_ERROR_TYPE, errType!);
        if (err instanceof Error) span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      }
      if (config.predictHook !== undefined && operation === 'predict') {
        try {
          config.predictHook(span, {
            ...call.info,
            ...(batch?.batchSize !== undefined ? { batchSize: batch.batchSize } : {}),
            ...(failed ? { error: err } : {}),
          });
        } catch (e) {
          diag.error('otel-ml: predictHook threw', e);
        }
      }
      span.end();
    }
    try {
      host.metrics.record({
        model: task !== undefined && resolved.task === undefined ? { ...resolved, task } : resolved,
        operation,
        durationSeconds,
        ...(errType !== undefined ? { errorType: errType } : {}),
        ...(batch !== undefined ? { batch } : {}),
      });
    } catch (e) {
      diag.error('otel-ml: recording metrics failed', e);
    }
  };

  let result: T;
  syncDepth++;
  try {
    result = context.with(callContext, invoke);
  } catch (err) {
    syncDepth--;
    finish(err, true);
    throw err;
  }
  syncDepth--;
  if (isThenable(result)) {
    return (result as PromiseLike<Awaited<T>>).then(
      (value) => {
        finish(undefined, false, value);
        return value;
      },
      (err: unknown) => {
        finish(err, true);
        throw err;
      },
    ) as T;
  }
  finish(undefined, false, result as Awaited<T>);
  return result;
}
