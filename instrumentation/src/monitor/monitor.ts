import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  context,
  diag,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { BASELINE_SCHEMA_VERSIONS_READ, isModelTask, MODEL_TASKS, type BaselineFile } from '@otel-ml/conventions';
import { ModelAggregator } from '../aggregation/model-aggregator.js';
import type {
  AggregationSnapshot,
  DeploymentRole,
  FeatureRow,
  PredictionOutput,
  SliceValues,
  Temporality,
} from '../aggregation/types.js';
import { instrumentMirror } from '../export/instruments.js';
import { MlMetricProducer, type MetricSource } from '../export/producer.js';
import {
  noiseSettings,
  predictionSensitivity,
  PRIVATE_EXPONENTIAL_BUCKETS,
  type NoiseSettings,
} from '../export/noise.js';
import * as N from '../names.js';
import { SCOPE_NAME, VERSION } from '../version.js';
import { issueReporter } from './diagnostics.js';
import { OutcomeJoin } from './outcome-join.js';
import { ShadowRunner, type ShadowHost } from './shadow.js';
import type {
  ModelInfo,
  ModelMonitor,
  ModelMonitorOptions,
  ObserveInput,
  OutcomeInput,
  PrivacyOptions,
  ShadowHandle,
  ShadowOptions,
  WrapMapping,
} from './types.js';

/** A prediction waiting for its outcome. */
interface Pending {
  readonly t: number;
  readonly role: DeploymentRole;
  readonly slices: SliceValues | undefined;
  readonly score: number | undefined;
  readonly scores: PredictionOutput['scores'];
  readonly prediction: PredictionOutput['prediction'];
  /** Outputs of shadow candidates for the same row, joined with the same outcome. */
  shadow?: PredictionOutput;
}

/** Monitors in producer mode, read by `createMlMetricProducer()`. */
const producerMonitors = new Set<MetricSource>();

/**
 * A `MetricProducer` reading every monitor created in producer mode (present and future) in this
 * process. Register it once with your metric reader:
 * ```ts
 * const producer = createMlMetricProducer();
 * const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), metricProducers: [producer] });
 * producer.bindReader(reader);
 * new NodeSDK({ metricReaders: [reader] }).start();
 * ```
 */
export function createMlMetricProducer(
  options: ConstructorParameters<typeof MlMetricProducer>[1] = {},
): MlMetricProducer {
  return new MlMetricProducer(() => producerMonitors, options);
}

function envFlag(name: string): boolean | undefined {
  const v = process.env[name]?.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

function loadBaseline(
  b: BaselineFile | string | undefined,
  report: (detail: string) => void,
): BaselineFile | undefined {
  if (b === undefined) return undefined;
  try {
    const file = typeof b === 'string' ? (JSON.parse(readFileSync(b, 'utf8')) as BaselineFile) : b;
    if (file === null || typeof file !== 'object' || typeof file.features !== 'object' || file.features === null) {
      report('baseline has no features object; ignoring it');
      return undefined;
    }
    if (!BASELINE_SCHEMA_VERSIONS_READ.includes(file.schemaVersion))
      report(
        `baseline schemaVersion ${String(file.schemaVersion)} (this version reads ${BASELINE_SCHEMA_VERSIONS_READ.join(' and ')}); using it anyway`,
      );
    return file;
  } catch (err) {
    report(`cannot read baseline ${typeof b === 'string' ? b : ''}: ${String(err)}`);
    return undefined;
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/** `error.type` of a thrown value: its `name` (e.g. `TypeError`), else `_OTHER`. */
function errorTypeOf(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0 && code.length <= 64) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return '_OTHER';
}

/** The score put on a one-row span: the score, or the highest per-class score. */
function topScore(out: PredictionOutput): number | undefined {
  if (typeof out.score === 'number' && Number.isFinite(out.score)) return out.score;
  const scores = out.scores;
  if (scores === undefined || scores === null || typeof scores !== 'object') return undefined;
  let best: number | undefined;
  const values =
    Array.isArray(scores) || ArrayBuffer.isView(scores)
      ? Array.from(scores as ArrayLike<number>)
      : Object.values(scores);
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && (best === undefined || v > best)) best = v;
  return best;
}

const REDACTED = '[REDACTED]';

/** Longer caller-supplied prediction ids are replaced by generated ones (bounded join memory). */
const MAX_ID_LENGTH = 256;

/**
 * Creates a monitor for one model: `observe` rows, join outcomes, wrap model calls in spans and
 * duration histograms, run shadow candidates, and export pre-aggregated metrics through an
 * OpenTelemetry `MetricProducer` (or plain SDK instruments). Never throws: invalid options are
 * reported via `diag` and give a disabled monitor. `OTEL_SDK_DISABLED=true` disables everything.
 */
export function createModelMonitor(options: ModelMonitorOptions): ModelMonitor {
  const disabled = process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const model = options?.model;
  if (disabled) return new Monitor(options, undefined);
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof model.name !== 'string' ||
    model.name === '' ||
    !isModelTask(model.task)
  ) {
    diag.error(
      `@otel-ml/instrumentation: createModelMonitor needs model.name and model.task (one of ${MODEL_TASKS.join(', ')}); monitor disabled`,
    );
    return new Monitor(options, undefined);
  }
  const report = issueReporter(model.name);
  try {
    const baseline = loadBaseline(options.baseline, (d) => report('invalid_input', d));
    const exportMode = options.exportMode ?? 'producer';
    let aggregator: ModelAggregator | undefined = undefined;
    const onNegative = (metric: string): void => aggregator?.issue('negative_not_exportable', metric);
    aggregator = new ModelAggregator({
      model,
      // with privacy on, unseen categories are never named (every feature is treated as sensitive)
      features:
        options.privacy !== undefined
          ? allSensitive(
              options.features ??
                (baseline === undefined
                  ? undefined
                  : Object.entries(baseline.features).map(([name, fb]) => ({ name, type: fb.type }))),
            )
          : options.features,
      baseline,
      classes: options.classes,
      role: options.role,
      slices: options.slices,
      limits: options.limits,
      threshold: options.threshold,
      // noise is added to every bucket: fewer buckets, less noise per distribution (docs/privacy.md)
      exponentialMaxBuckets:
        options.exponentialMaxBuckets ?? (options.privacy !== undefined ? PRIVATE_EXPONENTIAL_BUCKETS : undefined),
      ...(options.projections !== undefined ? { projections: options.projections } : {}),
      valueBoundaries: options.valueBoundaries,
      businessBoundaries: options.businessBoundaries,
      clock: options.clock,
      onIssue: report,
      onCell:
        exportMode === 'instruments'
          ? instrumentMirror(options.meterProvider ?? metrics.getMeterProvider(), onNegative)
          : undefined,
    });
    return new Monitor(options, aggregator, report);
  } catch (err) {
    diag.error(`@otel-ml/instrumentation: cannot create monitor for "${model.name}": ${String(err)}`);
    return new Monitor(options, undefined);
  }
}

function allSensitive(features: ModelMonitorOptions['features']): ModelMonitorOptions['features'] {
  return features?.map((f) => ({ ...f, sensitive: true }));
}

/** The noise of `privacy` for a model of `features` declared features (see `PrivacyOptions`). */
function privacySettings(privacy: PrivacyOptions, features: number): NoiseSettings {
  const given = privacy.sensitivity;
  const sensitivity =
    given !== undefined && Number.isInteger(given) && given >= 1
      ? given
      : predictionSensitivity(features, { businessMetrics: privacy.businessMetrics ?? 1 });
  return noiseSettings(privacy.epsilon, sensitivity, privacy.random);
}

class Monitor implements ModelMonitor, ShadowHost {
  readonly model: ModelInfo;
  readonly metricProducer: MlMetricProducer;
  private agg: ModelAggregator | undefined;
  private readonly source: MetricSource | undefined;
  private readonly join: OutcomeJoin<Pending>;
  private readonly clock: () => number;
  private readonly role: DeploymentRole;
  private readonly tracer: Tracer;
  private readonly spanAttributes: Attributes;
  private readonly remote: boolean;
  private readonly captureFeatures: boolean;
  private readonly redact: readonly (string | RegExp)[];
  private readonly shadows = new Set<ShadowRunner>();
  private readonly report: (kind: 'mapping_error' | 'shadow_error' | 'invalid_input', detail: string) => void;

  constructor(
    private readonly options: ModelMonitorOptions,
    aggregator: ModelAggregator | undefined,
    report?: ReturnType<typeof issueReporter>,
  ) {
    this.model = options?.model ?? { name: '', task: 'regression' };
    this.agg = aggregator;
    this.report = report ?? (() => undefined);
    this.clock = options?.clock ?? Date.now;
    this.role = options?.role ?? 'primary';
    this.join = new OutcomeJoin<Pending>(options?.outcomes, this.clock, `${randomBytes(6).toString('hex')}-`);
    const privacy =
      aggregator !== undefined && options.privacy !== undefined && options.privacy.epsilon > 0
        ? privacySettings(options.privacy, aggregator.features.length)
        : undefined;
    this.source = aggregator === undefined ? undefined : { aggregator, ...(privacy !== undefined ? { privacy } : {}) };
    this.metricProducer = new MlMetricProducer(() =>
      this.source !== undefined && this.agg !== undefined ? [this.source] : [],
    );
    if (this.source !== undefined && (options.exportMode ?? 'producer') === 'producer')
      producerMonitors.add(this.source);
    if (options?.privacy !== undefined && !(options.privacy.epsilon > 0))
      this.report('invalid_input', 'privacy.epsilon must be > 0; no noise is added');
    if (
      options?.privacy?.sensitivity !== undefined &&
      !(Number.isInteger(options.privacy.sensitivity) && options.privacy.sensitivity >= 1)
    ) {
      this.report('invalid_input', 'privacy.sensitivity must be an integer >= 1; the computed sensitivity is used');
    }
    this.tracer = (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME, VERSION);
    this.remote = options?.remote === true;
    this.captureFeatures = envFlag('OTEL_ML_CAPTURE_FEATURES') ?? options?.captureFeatures === true;
    this.redact = options?.redact ?? [];
    const m = this.model;
    this.spanAttributes = {
      [N.ATTR_ML_OPERATION_NAME]: 'predict',
      [N.ATTR_ML_MODEL_NAME]: m.name,
      ...(aggregator?.model.version !== undefined ? { [N.ATTR_ML_MODEL_VERSION]: aggregator.model.version } : {}),
      [N.ATTR_ML_MODEL_TASK]: m.task,
      ...(m.framework !== undefined ? { [N.ATTR_ML_MODEL_FRAMEWORK]: String(m.framework) } : {}),
      [N.ATTR_ML_DEPLOYMENT_ROLE]: this.role,
    };
  }

  get enabled(): boolean {
    return this.agg !== undefined;
  }

  get aggregator(): ModelAggregator | undefined {
    return this.agg;
  }

  observe(input: ObserveInput): string {
    const agg = this.agg;
    const isObject = input !== null && typeof input === 'object';
    const given =
      isObject && typeof input.id === 'string' && input.id !== '' && input.id.length <= MAX_ID_LENGTH
        ? input.id
        : undefined;
    if (agg === undefined) return given ?? this.join.addNew(undefined);
    try {
      if (given === undefined && isObject && input.id !== undefined)
        agg.issue(
          'invalid_input',
          `prediction id must be a non-empty string of at most ${MAX_ID_LENGTH} characters; generated one`,
        );
      agg.observe(input);
      const entry: Pending | undefined =
        isObject && this.join.maxEntries > 0
          ? {
              t: this.clock(),
              role: this.role,
              slices: input.slices,
              score: input.score,
              scores: input.scores,
              prediction: input.prediction,
            }
          : undefined;
      if (given === undefined) return this.join.addNew(entry);
      if (entry !== undefined) this.join.add(given, entry);
    } catch (err) {
      this.report('invalid_input', `observe: ${String(err)}`);
    }
    return given ?? this.join.addNew(undefined);
  }

  recordOutcome(predictionId: string, label: string | number | boolean): boolean;
  recordOutcome(outcome: OutcomeInput): boolean;
  recordOutcome(idOrOutcome: string | OutcomeInput, label?: string | number | boolean): boolean {
    const agg = this.agg;
    if (agg === undefined) return false;
    try {
      if (typeof idOrOutcome !== 'string') {
        if (idOrOutcome === null || typeof idOrOutcome !== 'object') {
          agg.issue('invalid_input', 'recordOutcome expects a prediction id or an outcome object');
          return false;
        }
        agg.recordOutcome(idOrOutcome);
        return true;
      }
      const entry = this.join.take(idOrOutcome);
      if (typeof entry === 'string') {
        agg.recordUnmatched(entry, this.role);
        return false;
      }
      if (label === undefined || label === null) {
        agg.issue('invalid_label', 'missing label');
        return false;
      }
      const delaySeconds = Math.max(0, (this.clock() - entry.t) / 1000);
      agg.recordOutcome({
        score: entry.score,
        scores: entry.scores,
        prediction: entry.prediction,
        label,
        slices: entry.slices,
        role: entry.role,
        delaySeconds,
      });
      if (entry.shadow !== undefined)
        agg.recordOutcome({ ...entry.shadow, label, slices: entry.slices, role: 'shadow' });
      return true;
    } catch (err) {
      this.report('invalid_input', `recordOutcome: ${String(err)}`);
      return false;
    }
  }

  recordBusinessOutcome(
    name: string,
    value: number,
    options: { predictionId?: string; slices?: SliceValues } = {},
  ): void {
    const agg = this.agg;
    if (agg === undefined) return;
    try {
      const pending = typeof options?.predictionId === 'string' ? this.join.peek(options.predictionId) : undefined;
      agg.recordBusinessValue(name, value, {
        role: pending?.role ?? this.role,
        slices: options?.slices ?? pending?.slices,
      });
    } catch (err) {
      this.report('invalid_input', `recordBusinessOutcome: ${String(err)}`);
    }
  }

  snapshot(options: { temporality?: Temporality } = {}): AggregationSnapshot | undefined {
    return this.agg?.snapshot(options);
  }

  async shutdown(): Promise<void> {
    for (const s of this.shadows) s.stop();
    this.shadows.clear();
    if (this.source !== undefined) producerMonitors.delete(this.source);
    this.join.clear();
    this.agg = undefined;
  }

  /** @internal Records a shadow candidate's row outputs (role shadow) and attaches them to pending outcomes. */
  recordShadowRows(
    outputs: readonly PredictionOutput[],
    ids: readonly string[],
    slices: SliceValues | undefined,
  ): void {
    const agg = this.agg;
    if (agg === undefined) return;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i]!;
      agg.observe({ score: out.score, scores: out.scores, prediction: out.prediction, slices, role: 'shadow' });
      const pending = ids[i] === undefined ? undefined : this.join.peek(ids[i]!);
      if (pending !== undefined) pending.shadow = { score: out.score, scores: out.scores, prediction: out.prediction };
    }
  }

  /** @internal */
  predictedClass(out: PredictionOutput): string | undefined {
    return this.agg?.predictedClass(out);
  }

  /** @internal */
  reportIssue(kind: 'mapping_error' | 'shadow_error', detail: string): void {
    this.report(kind, detail);
  }

  wrap<A extends unknown[], R>(fn: (...args: A) => R, mapping: WrapMapping<A, Awaited<R>> = {}): (...args: A) => R {
    if (this.agg === undefined || typeof fn !== 'function') return fn;
    const kind = (mapping.remote ?? this.remote) ? SpanKind.CLIENT : SpanKind.INTERNAL;
    const spanName = `predict ${this.model.name}`;
    const active = (): boolean => this.agg !== undefined;
    const start = (): Span => this.tracer.startSpan(spanName, { kind, attributes: this.spanAttributes });
    const finish = (span: Span, t0: number, args: A, ok: boolean, out: Awaited<R> | undefined, err: unknown): void =>
      this.finishCall(span, t0, args, mapping, ok, out, err);
    return function wrapped(this: unknown, ...args: A): R {
      if (!active()) return fn.apply(this, args);
      const span = start();
      const t0 = performance.now();
      let result: R;
      try {
        result = context.with(trace.setSpan(context.active(), span), () => fn.apply(this, args));
      } catch (err) {
        finish(span, t0, args, false, undefined, err);
        throw err;
      }
      if (isPromiseLike(result)) {
        return (result as PromiseLike<Awaited<R>>).then(
          (out) => {
            finish(span, t0, args, true, out, undefined);
            return out;
          },
          (err: unknown) => {
            finish(span, t0, args, false, undefined, err);
            throw err;
          },
        ) as R;
      }
      finish(span, t0, args, true, result as Awaited<R>, undefined);
      return result;
    };
  }

  private safeMap<T>(what: string, f: (() => T) | undefined): T | undefined {
    if (f === undefined) return undefined;
    try {
      return f();
    } catch (err) {
      this.report('mapping_error', `${what}: ${String(err)}`);
      return undefined;
    }
  }

  private finishCall<A extends unknown[], O>(
    span: Span,
    start: number,
    args: A,
    mapping: WrapMapping<A, O>,
    ok: boolean,
    output: O | undefined,
    err: unknown,
  ): void {
    const agg = this.agg;
    try {
      const seconds = (performance.now() - start) / 1000;
      const rows = this.safeMap('inputs', mapping.inputs && (() => mapping.inputs!(...args)));
      if (!ok || agg === undefined) {
        const errorType = errorTypeOf(err);
        const n = Array.isArray(rows) ? rows.length : 1;
        span.setAttribute(N.ATTR_ML_BATCH_SIZE, n);
        span.setAttribute(N.ATTR_ERROR_TYPE, errorType);
        if (err instanceof Error) span.recordException(err);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message.slice(0, 256) : undefined,
        });
        agg?.recordInference(seconds, { errorType, rows: n });
        return;
      }
      agg.recordInference(seconds);
      const outputs = this.safeMap('outputs', mapping.outputs && (() => mapping.outputs!(output as O, ...args)));
      const givenIds = this.safeMap('ids', mapping.ids && (() => mapping.ids!(...args)));
      const slices = this.safeMap('slices', mapping.slices && (() => mapping.slices!(...args)));
      const n = Math.max(Array.isArray(rows) ? rows.length : 0, Array.isArray(outputs) ? outputs.length : 0);
      span.setAttribute(N.ATTR_ML_BATCH_SIZE, n);
      const ids: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const out: PredictionOutput | undefined = outputs?.[i];
        const features: FeatureRow | undefined = rows?.[i];
        ids[i] = this.observe({
          features,
          score: out?.score,
          scores: out?.scores,
          prediction: out?.prediction,
          id: givenIds?.[i],
          slices,
        });
      }
      if (n === 1) {
        span.setAttribute(N.ATTR_ML_PREDICTION_ID, ids[0]!);
        const out = outputs?.[0];
        const score = out === undefined ? undefined : topScore(out);
        if (score !== undefined) span.setAttribute(N.ATTR_ML_PREDICTION_SCORE, score);
        const cls = out === undefined ? undefined : agg.predictedClass(out);
        if (cls !== undefined) span.setAttribute(N.ATTR_ML_PREDICTION_CLASS, cls);
      }
      if (this.captureFeatures && rows !== undefined) this.addFeatureEvents(span, rows, ids);
      if (mapping.onPredictions !== undefined)
        this.safeMap('onPredictions', () => mapping.onPredictions!(ids, output as O, ...args));
      if (this.shadows.size > 0 && outputs !== undefined) {
        for (const s of this.shadows)
          s.offer(
            { args, outputs, ids, slices },
            mapping.outputs as ((o: unknown, ...a: unknown[]) => readonly PredictionOutput[] | undefined) | undefined,
          );
      }
    } catch (e) {
      this.report('mapping_error', `wrap: ${String(e)}`);
    } finally {
      span.end();
    }
  }

  /** Adds one `ml.features` span event per row (at most 16) with the (redacted) feature values. */
  private addFeatureEvents(span: Span, rows: readonly FeatureRow[], ids: readonly string[]): void {
    const agg = this.agg!;
    const names = agg.features.map((f) => f.name);
    const limit = Math.min(rows.length, 16);
    for (let r = 0; r < limit; r++) {
      const row = rows[r];
      if (row === null || typeof row !== 'object') continue;
      const attrs: Attributes = { [N.ATTR_ML_PREDICTION_ID]: ids[r] };
      const isArray = Array.isArray(row) || ArrayBuffer.isView(row);
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const v = isArray ? (row as ArrayLike<unknown>)[i] : (row as Readonly<Record<string, unknown>>)[name];
        if (v === undefined || v === null) continue;
        const redacted = this.redact.some((p) => (typeof p === 'string' ? p === name : p.test(name)));
        attrs[N.ATTR_ML_FEATURE_INPUT(name)] = redacted ? REDACTED : String(v).slice(0, 256);
      }
      span.addEvent(N.EVENT_ML_FEATURES, attrs);
    }
  }

  shadow<A extends unknown[], R>(
    candidate: (...args: A) => R,
    options: ShadowOptions<A, Awaited<R>> = {},
  ): ShadowHandle {
    const runner = new ShadowRunner(
      this,
      candidate as (...args: unknown[]) => unknown,
      options as ShadowOptions<unknown[], unknown>,
      () => this.shadows.delete(runner),
    );
    if (this.agg !== undefined && typeof candidate === 'function') this.shadows.add(runner);
    return runner;
  }

  /** @internal */
  get task(): ModelInfo['task'] {
    return this.model.task;
  }

  /** @internal */
  recordShadowCall(seconds: number, errorType: string | undefined, rows: number): void {
    this.agg?.recordInference(seconds, { role: 'shadow', errorType, rows });
  }

  /** @internal */
  recordShadowComparison(result: 'agree' | 'disagree' | 'error', n: number): void {
    this.agg?.recordShadowComparison(result, n);
  }

  /** @internal */
  errorTypeOf(err: unknown): string {
    return errorTypeOf(err);
  }

  /** @internal */
  isPromiseLike(v: unknown): v is PromiseLike<unknown> {
    return isPromiseLike(v);
  }
}

export type { Monitor };
