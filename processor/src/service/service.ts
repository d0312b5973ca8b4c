/**
 * The live processor: OTLP receivers -> stream state (SQLite) -> windows -> evaluation -> results
 * as OpenTelemetry metrics and events, plus a status page, health endpoints and an optional
 * Prometheus endpoint on the HTTP port.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import { LoggerProvider, BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { decileBoundariesOf, parseBaselineFile, type BaselineFile, type ModelTask } from '@otel-ml/conventions';
import { evaluate } from '../analysis/evaluate.js';
import { compareDeployments, primaryFor } from '../analysis/compare.js';
import { retrainDecision, retrainStarted } from '../analysis/retrain.js';
import { withHistory } from '../analysis/verdicts.js';
import { RetrainWebhook, retrainPayload } from './retrain.js';
import type { ModelReport, ReferenceKindName } from '../analysis/report-types.js';
import { createGrpcReceiver, createHttpReceiver, OverloadedError, type GrpcReceiver, type HttpReceiver, type MetricsConsumer, type RouteHandler, type TracesConsumer } from '../receiver/index.js';
import { GroupCommit } from '../streams/group-commit.js';
import { CommitFailedError } from '../store/writer.js';
import { StreamProcessor, parseModelKey } from '../streams/processor.js';
import { chooseReference, primaryKeyOf } from './reference-choice.js';
import type { ModelIdentity } from '../model/signals.js';
import type { Attributes } from '../otlp/model.js';
import type { ReferenceKind } from '../windows/references.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { ConfigError, type ModelConfig, type ServiceConfig } from './config.js';
import { ResultsEmitter, exportErrorType, type ProcessorHealth } from './emit.js';
import { renderStatusPage, statusPageView, type PendingModel } from './status-page.js';
import { BearerTokenAuthenticator, readTlsFiles, resolveAuthToken } from './auth.js';
import { DEFAULT_REVIEW_EXPIRY_MS, ReviewGate } from './review.js';
import { decisionHandler, listRecommendations } from './review-api.js';
import { MovedBins, metricsHandler } from './exemplars.js';
import { TraceSampler } from '../streams/spans.js';
import { SampleReservoirs } from '../windows/samples.js';
import { withTraceSamples } from '../analysis/trace-samples.js';

export interface ServiceOptions {
  /** Extra metric readers (tests use an in-memory one). */
  readonly metricReaders?: readonly IMetricReader[];
  /** Extra log record processors for the drift events. */
  readonly logRecordProcessors?: readonly LogRecordProcessor[];
  /** Wall clock in ms (tests). */
  readonly clock?: () => number;
  /** Called after each evaluated window. */
  readonly onReport?: (report: ModelReport) => void;
  /** Do not start the evaluation timer (tests drive `evaluateNow`). */
  readonly manualEvaluation?: boolean;
}

export interface RunningService {
  readonly httpUrl: string | undefined;
  readonly grpcAddress: string | undefined;
  /** Closes due windows and evaluates them now; returns the new reports. */
  evaluateNow(now?: number): ModelReport[];
  /** Latest report per model key. */
  reports(): ReadonlyMap<string, ModelReport>;
  /** Recent reports per model key, oldest first (bounded). */
  history(): ReadonlyMap<string, readonly ModelReport[]>;
  readonly processor: StreamProcessor;
  /** Flushes state and pending exports, then stops the servers. */
  close(): Promise<void>;
}

/** Recent reports kept in memory per model (the state file keeps `retention.maxEvaluations`). */
const HISTORY = 48;

/** Longest wait for one results export (the SDK's default), and for the last one at shutdown. */
const EXPORT_TIMEOUT_MS = 30_000;
const SHUTDOWN_EXPORT_TIMEOUT_MS = 5_000;
/** At most one console warning about failed results exports per this interval. */
const EXPORT_WARNING_EVERY_MS = 60_000;

/** Wraps an exporter to count failed exports (after the exporter's own retries). */
function counting(exporter: PushMetricExporter, failed: (error: unknown) => void): PushMetricExporter {
  return {
    export: (metrics, done) =>
      exporter.export(metrics, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) failed(result.error);
        done(result);
      }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
    selectAggregation: exporter.selectAggregation?.bind(exporter),
  };
}

/**
 * The alert playbooks (docs/playbooks/*.md of the repository this processor runs from), served at
 * /playbooks/<name>.md (and the index at /playbooks/) so that notifications link somewhere by
 * default. None when the files are not there (an installed package).
 */
function playbookRoutes(): [string, string][] {
  const dir = new URL('../../../docs/playbooks/', import.meta.url);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
  const out = files.map((f): [string, string] => [`/playbooks/${f}`, new URL(f, dir).pathname]);
  if (files.includes('README.md')) out.push(['/playbooks/', new URL('README.md', dir).pathname]);
  return out;
}

/** The baseline of configured model `name`; a missing or bad file is a configuration error (exit 2). */
function loadBaselineFile(file: string, name: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `models: ${name}: cannot read its baseline ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); write it with \`otel-ml baseline --model ${name} --out ${file} ...\`, or correct the path`,
    );
  }
  try {
    return parseBaselineFile(JSON.parse(text), file);
  } catch (err) {
    throw new ConfigError(`models: ${name}: baseline ${file} cannot be used: ${(err as Error).message}`);
  }
}

function modelConfigFor(config: ServiceConfig, snap: Pick<WindowSnapshot, 'model'>): ModelConfig | undefined {
  return config.models.find((m) => m.name === snap.model.name && (m.version === undefined || m.version === snap.model.version));
}

/** The reference a model's windows are compared with: the configured one, else its baseline, else a pinned one, else rolling. */
function referenceKindOf(mc: ModelConfig | undefined, refs: Partial<Record<ReferenceKind, WindowSnapshot>>): ReferenceKindName {
  return mc?.reference ?? (refs.baseline ? 'baseline' : refs.pinned ? 'pinned' : 'rolling');
}

const modelLabel = (m: { readonly name: string; readonly version: string; readonly role: string }) => `${m.name}${m.version ? ` v${m.version}` : ''} (${m.role})`;

export async function startService(config: ServiceConfig, opts: ServiceOptions = {}): Promise<RunningService> {
  const clock = opts.clock ?? Date.now;
  const token = resolveAuthToken(config.auth);
  if (token === undefined && (config.retrain?.review === 'required' || config.models.some((m) => m.review === 'required'))) {
    throw new ConfigError('retrain.review: "required" needs auth.token (or auth.tokenFile, or OTEL_ML_AUTH_TOKEN): approving and rejecting recommendations are authenticated');
  }
  const processor = StreamProcessor.open({
    path: config.storage.path,
    durability: config.storage.durability,
    // ingest commits off the event loop (a slow disk write must not stall the receivers)
    commitWorker: true,
    clock,
    limits: { maxStreams: config.streams.maxStreams, staleAfterMs: config.streams.staleAfterMs, deltaIntervals: config.streams.deltaIntervals, ...(config.streams.maxSliceValues !== undefined ? { maxSliceValues: config.streams.maxSliceValues } : {}) },
    resourceAttributes: config.streams.resourceAttributes,
    windows: { lengthMs: config.windows.lengthMs, minRows: config.windows.minRows, maxExtensions: config.windows.maxExtensions },
    references: { rollingWindows: config.references.rollingWindows, rollingRefreshMs: config.references.rollingRefreshMs },
    retention: config.retention,
  });
  // trace samples (config `traces`): prediction spans sampled per bin, named for the bins that moved most
  const sampleStreams = {
    modelKeyOf: (a: Attributes, r: Attributes) => processor.modelKeyOf(a, r),
    reference: (key: string): WindowSnapshot | undefined => {
      const own = (k: string) => {
        const refs = processor.references(k);
        const kind = referenceKindOf(modelConfigFor(config, { model: parseModelKey(k) }), refs);
        // before a rolling reference is built, the evaluation compares with the windows kept so far
        return refs[kind as ReferenceKind] ?? refs.baseline ?? refs.pinned ?? refs.rolling ?? processor.history(k).findLast((w) => !w.belowMinRows);
      };
      // a canary or shadow is compared with the reference chosen for its primary
      const model = parseModelKey(key);
      const primary = model.role === 'primary' ? undefined : primaryKeyOf({ modelKey: key, model, end: NaN }, [], processor);
      return (primary === undefined ? undefined : own(primary)) ?? own(key);
    },
    decileEdges: (key: string, feature: string) => baselineDeciles.get(parseModelKey(key).name)?.get(feature),
  };
  const sampler = config.traces?.enabled ? new TraceSampler(sampleStreams, new SampleReservoirs(config.traces), clock) : undefined;
  const moved = new MovedBins();
  const baselines = new Map<string, BaselineFile>();
  const baselineDeciles = new Map<string, Map<string, readonly number[]>>();
  for (const m of config.models) {
    if (!m.baseline) continue;
    const b = loadBaselineFile(m.baseline, m.name);
    if (b.model.name !== m.name) throw new ConfigError(`${m.baseline}: baseline is for model "${b.model.name}", configured for "${m.name}"`);
    processor.setBaseline(b);
    baselines.set(m.name, b);
    baselineDeciles.set(m.name, decileBoundariesOf(b));
  }

  const resource = resourceFromAttributes({ 'service.name': 'otel-ml-processor', 'service.version': '0.1.0' }).merge(detectResources({ detectors: [envDetector] }));
  const readers: IMetricReader[] = [...(opts.metricReaders ?? [])];
  const routes = new Map<string, RouteHandler>();
  // The exporter's failure callback needs the emitter, which needs the meter provider.
  const failures = { count: (_error: unknown): void => undefined };
  if (config.exporters.otlp.enabled) {
    const exporter = new OTLPMetricExporter(config.exporters.otlp.endpoint ? { url: config.exporters.otlp.endpoint } : {});
    const intervalMs = config.exporters.otlp.intervalMs;
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: counting(exporter, (error) => failures.count(error)),
        exportIntervalMillis: intervalMs,
        exportTimeoutMillis: Math.min(intervalMs, EXPORT_TIMEOUT_MS),
      }),
    );
  }
  if (config.exporters.prometheus.enabled) {
    const prom = new PrometheusExporter({ preventServerStart: true });
    readers.push(prom);
    routes.set('/metrics', metricsHandler(prom, moved));
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const logProcessors: LogRecordProcessor[] = [...(opts.logRecordProcessors ?? [])];
  if (config.exporters.otlp.enabled) {
    const endpoint = config.exporters.otlp.endpoint?.replace(/\/v1\/metrics$/, '/v1/logs');
    logProcessors.push(new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(endpoint ? { url: endpoint } : {}), exportTimeoutMillis: SHUTDOWN_EXPORT_TIMEOUT_MS }));
  }
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
  // Points the decoder refused never reach the stream state; they are counted here as `malformed`.
  let decodeRejected = 0;
  const allStats = () => {
    const st = processor.stats();
    if (decodeRejected === 0) return st;
    return { ...st, receivedPoints: st.receivedPoints + decodeRejected, droppedPoints: { ...st.droppedPoints, malformed: ((st.droppedPoints as Record<string, number>).malformed ?? 0) + decodeRejected } };
  };
  const emitter = new ResultsEmitter({
    meter: meterProvider.getMeter('@otel-ml/processor', '0.1.0'),
    logger: loggerProvider.getLogger('@otel-ml/processor', '0.1.0'),
    stats: () => allStats(),
    health: () => health(clock()),
  });
  let failedExports = 0;
  let lastWarnedAt = -Infinity;
  failures.count = (error) => {
    emitter.exportFailed(exportErrorType(error));
    failedExports++;
    // one line now and then, not one per export: a results backend that is down is an expected condition
    const now = Date.now();
    if (now - lastWarnedAt < EXPORT_WARNING_EVERY_MS) return;
    lastWarnedAt = now;
    const detail = error instanceof Error ? error.message : String(error);
    diag.warn(`results export over OTLP failed (${detail}); ${failedExports} failed so far, counted in ml.processor.export.failures; check OTEL_EXPORTER_OTLP_ENDPOINT and that the Collector is up`);
  };
  const rc0 = config.retrain;
  if (rc0?.webhook && !rc0.webhook.secret) throw new Error('retrain.webhook: a secret is required (retrain.webhook.secret or OTEL_ML_RETRAIN_WEBHOOK_SECRET)');
  const webhook = rc0?.webhook ? new RetrainWebhook({ url: rc0.webhook.url, secret: rc0.webhook.secret!, clock }) : undefined;
  // The review gate: with `review: required` (retrain.review, or the model's own), a recommendation waits for a person.
  const reviewRequired = (mc: ModelConfig | undefined) => (mc?.review ?? rc0?.review) === 'required';
  const authenticator = token === undefined ? undefined : new BearerTokenAuthenticator(token);
  const gate = new ReviewGate({
    store: processor.retraining(),
    clock,
    onTransition: (r) => emitter.retrainingReview(r),
    send: webhook ? (r, body, done) => webhook.enqueue(body, { id: r.id, onDone: done }) : undefined,
  });

  const history = new Map<string, ModelReport[]>();
  // models whose window closed without a reference to compare with (diagnosed once each)
  const collecting = new Set<string>();
  let ready = false;
  let evaluating = false;

  /** The primary's kept window of the same period as a candidate's (when it closed in an earlier pass). */
  const samePeriod = (primaryKey: string | undefined, snap: WindowSnapshot): WindowSnapshot | undefined => {
    const w = primaryKey === undefined ? undefined : processor.historyWindowAt(primaryKey, snap.end - 1);
    return w?.end === snap.end ? w : undefined;
  };
  const owed: WindowSnapshot[] = processor.models().flatMap((k) => processor.unevaluatedWindows(k));

  /**
   * Evaluation lag: the oldest window due at `now` and not yet closed (the next pass closes it) or
   * owed from before a restart; idle windows per model since its last accepted point.
   */
  const health = (now: number): ProcessorHealth => {
    let due = processor.nextWindowEnd() ?? Infinity;
    for (const w of owed) due = Math.min(due, w.end);
    const length = processor.windowLengthMs();
    const idle = [...processor.lastPointTimes()].map(([key, t]) => ({ ...parseModelKey(key), windows: Math.max(0, Math.floor((now - t) / length)) }));
    return { evaluationLagSeconds: Math.max(0, now - due) / 1000, idle };
  };

  let forgottenModels = processor.stats().pruned.models;
  const evaluateNow = (now: number = clock()): ModelReport[] => {
    if (evaluating) return [];
    evaluating = true;
    const out: ModelReport[] = [];
    try {
      // Windows owed from before a restart first, then the ones closing now.
      const closedNow = [...owed.splice(0), ...processor.closeDueWindows(now)];
      gate.expireDue(now);
      // models forgotten by retention leave the gauges and the status page too
      const forgotten = processor.stats().pruned.models;
      if (forgotten !== forgottenModels) {
        forgottenModels = forgotten;
        const kept = new Set(processor.models());
        for (const key of [...emitter.reports().keys()]) {
          if (kept.has(key)) continue;
          emitter.forget(key);
          moved.forget(key);
          history.delete(key);
        }
      }
      // Primaries first: a canary or shadow uses the reference chosen for its primary in this pass.
      closedNow.sort((a, b) => a.end - b.end || Number(a.model.role !== 'primary') - Number(b.model.role !== 'primary'));
      // reservoirs of models whose windows stopped closing (at most a window and its extensions old)
      sampler?.reservoirs.prune(now - (config.windows.maxExtensions + 2) * config.windows.lengthMs);
      for (const snap of closedNow) {
        const started = performance.now();
        const samples = sampler?.reservoirs.take(snap.modelKey);
        const mc = modelConfigFor(config, snap);
        const primaryKey = primaryKeyOf(snap, closedNow, processor);
        const primary = primaryFor(snap, closedNow) ?? samePeriod(primaryKey, snap);
        const choice = chooseReference(processor, snap, primaryKey, { reference: mc?.reference, pin: mc?.pin, periodMs: mc?.periodMs, rollingWindows: config.references.rollingWindows });
        if (choice.snapshot === undefined) {
          if (choice.pinned) diag.info(`otel-ml: ${modelLabel(snap.model)}: ${choice.reason}`);
          else if (!collecting.has(snap.modelKey)) {
            // said once per model at the default level (the status page shows it as "collecting reference"), then per window at debug
            collecting.add(snap.modelKey);
            const collected = choice.requested === 'rolling' || choice.requested === 'pinned';
            diag.info(
              `otel-ml: ${modelLabel(snap.model)}: ${choice.reason} (window ${new Date(snap.start).toISOString()}, ${snap.rows} rows, not evaluated); ${collected ? 'collecting one from its windows, evaluation starts once there is one' : 'evaluation starts once there is a reference'}${choice.requested === 'rolling' ? ' (from the next window)' : ''}`,
            );
          } else {
            diag.debug(`otel-ml: ${modelLabel(snap.model)}: ${choice.reason}; window ${new Date(snap.start).toISOString()} not evaluated`);
          }
          continue;
        }
        const { kind, snapshot: reference } = choice;
        const of = primaryKey === undefined ? null : { version: parseModelKey(primaryKey).version || null, role: 'primary' };
        const deciles = kind === 'baseline' ? baselineDeciles.get(snap.model.name) : undefined;
        const task = (snap.task || reference.task || undefined) as ModelTask | undefined;
        const evaluated = evaluate(
          reference,
          snap,
          {
            model: { name: snap.model.name, version: snap.model.version || undefined, task, role: snap.model.role },
            referenceKind: kind,
            referenceChoice: { requested: choice.requested, fallback: choice.fallback, of },
            window: { start: new Date(snap.start), end: new Date(snap.end) },
            decileBoundaries: deciles,
          },
          {
            alpha: config.evaluation.alpha,
            minRows: config.windows.minRows,
            minPsi: config.evaluation.minPsi,
            minJensenShannon: config.evaluation.minJensenShannon,
            threshold: config.evaluation.threshold,
            ...(config.evaluation.sliceMinRows !== undefined ? { sliceMinRows: config.evaluation.sliceMinRows } : {}),
            fairness: config.fairness,
            limits: { ...config.limits, ...mc?.limits },
          },
        );
        // Canary/shadow: compare with the primary window closed in this pass; then the retraining decision.
        const settings = { alpha: config.evaluation.alpha, minRows: config.windows.minRows, threshold: config.evaluation.threshold };
        const compared = { ...evaluated, comparison: primary ? compareDeployments(primary, snap, settings) : null };
        const previous = history.get(snap.modelKey) ?? [];
        const retrain = retrainDecision(compared, previous, { baselineCreatedAt: baselines.get(snap.model.name)?.createdAt, now }, { driftWindows: rc0?.driftWindows, minAccuracy: rc0?.minAccuracy, maxBaselineAgeMs: rc0?.maxBaselineAgeMs });
        const report = withTraceSamples(withHistory({ ...compared, retrain }, previous[previous.length - 1]), samples);
        if (retrainStarted(previous[previous.length - 1]?.retrain, retrain)) {
          emitter.recommendRetraining(report);
          if (reviewRequired(mc)) {
            const window = { start: report.window?.start ?? '', end: report.window?.end ?? '' };
            const model = { name: snap.model.name, version: snap.model.version || null, role: snap.model.role };
            gate.recommend(snap.modelKey, model, window, retrain.reasons, retrainPayload(report), rc0?.reviewExpiryMs ?? DEFAULT_REVIEW_EXPIRY_MS);
          } else webhook?.enqueue(retrainPayload(report));
        }
        processor.saveEvaluation(snap.modelKey, snap.end, report);
        emitter.publish(snap.modelKey, report, (performance.now() - started) / 1000);
        if (samples !== undefined) moved.record(snap.modelKey, report);
        const h = history.get(snap.modelKey) ?? [];
        h.push(report);
        if (h.length > HISTORY) h.shift();
        history.set(snap.modelKey, h);
        out.push(report);
        opts.onReport?.(report);
      }
    } finally {
      evaluating = false;
    }
    // Results leave now, not at the next export interval: an alert is as late as its data.
    if (out.length > 0 && config.exporters.otlp.enabled) {
      meterProvider.forceFlush().catch(() => undefined);
      loggerProvider.forceFlush().catch(() => undefined);
    }
    return out;
  };

  // Restore the recent evaluations of each model so that gauges, the status page and the
  // retraining decision (consecutive drifted windows) survive restarts.
  for (const key of processor.models()) {
    let reports = processor.evaluationHistory(key) as ModelReport[];
    if (reports.length === 0) {
      // state files from before the evaluation history have only the last evaluation
      const last = processor.lastEvaluation(key);
      if (last) reports = [last.body as ModelReport];
    }
    if (reports.length === 0) continue;
    reports = reports.slice(-HISTORY);
    emitter.publish(key, reports[reports.length - 1]!, 0);
    history.set(key, reports);
  }

  // Requests arriving in one event-loop turn share one transaction (group commit); each is
  // answered only after that transaction committed, or with an error if it failed.
  const group = new GroupCommit(processor);
  const consumer: MetricsConsumer = {
    consume: (exp, ctx) => {
      if (!ready) throw new OverloadedError(1, 'unavailable');
      decodeRejected += ctx.decodeRejectedDataPoints;
      // A failed commit (disk full, I/O error) is an outage: the sender is told to retry
      // (503 / UNAVAILABLE; OTLP senders do not retry a 500).
      return group
        .submit(exp)
        .then((r) => {
          // A window opened by this request may end before the evaluation timer is due.
          if ((processor.nextWindowEnd() ?? Infinity) < dueAt - 50) schedule();
          return r;
        })
        .catch((e: unknown) => {
          if (e instanceof CommitFailedError) throw new OverloadedError(5, 'unavailable', `request not stored: ${e.message}`);
          throw e;
        });
    },
  };
  const traces: TracesConsumer | undefined = sampler && {
    consumeTraces: (exp) => {
      if (!ready) throw new OverloadedError(1, 'unavailable');
      sampler.consume(exp);
    },
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  routes.set('/healthz', (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' }));
  routes.set('/readyz', (_req, res) => sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting', ...summaryStats() }));
  routes.set('/api/reports', (_req, res) => sendJson(res, 200, Object.fromEntries(emitter.reports())));
  routes.set('/api/retraining', listRecommendations(gate));
  for (const [path, file] of playbookRoutes()) {
    routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
      res.end(readFileSync(file));
    });
  }
  /** Models with windows but no evaluation yet, for the status page: still without a reference, or waiting for their first window. */
  const pendingModels = (open: readonly WindowSnapshot[]): PendingModel[] => {
    const reports = emitter.reports();
    const keys = processor.models().filter((k) => !reports.has(k));
    if (keys.length === 0) return [];
    const openByKey = new Map(open.map((w) => [w.modelKey, w]));
    const hasReference = (key: string, model: ModelIdentity) => {
      const refs = processor.references(key);
      const kind = referenceKindOf(modelConfigFor(config, { model }), refs);
      // a rolling reference is made of the closed windows kept so far when the next window closes;
      // a seasonal one falls back on the baseline, else on the rolling reference, until a period has passed
      const rolling = processor.history(key).some((w) => !w.belowMinRows);
      if (kind === 'seasonal') return refs.baseline !== undefined || refs.rolling !== undefined || rolling;
      return refs[kind as ReferenceKind] !== undefined || (kind === 'rolling' && rolling);
    };
    return keys.map((key) => {
      const w = openByKey.get(key);
      const closed = processor.history(key);
      const model = w?.model ?? closed[closed.length - 1]?.model ?? parseModelKey(key);
      let referenced = hasReference(key, model);
      if (!referenced && model.role !== 'primary') {
        // a canary or shadow without references of its own is compared with its primary's (same name and resource)
        const tail = JSON.stringify((JSON.parse(key) as string[]).slice(3));
        const primary = processor.models().find((k) => {
          const p = JSON.parse(k) as string[];
          return p[0] === model.name && p[2] === 'primary' && JSON.stringify(p.slice(3)) === tail;
        });
        referenced = primary !== undefined && hasReference(primary, parseModelKey(primary));
      }
      return {
        key,
        model: { name: model.name, version: model.version || null, role: model.role },
        state: referenced ? 'awaiting_comparison' : 'collecting_reference',
        referenceKind: referenceKindOf(modelConfigFor(config, { model }), processor.references(key)),
        closedRows: closed.reduce((a, c) => a + c.rows, 0),
        closedWindows: closed.length,
        openRows: w?.rows ?? 0,
        openUntil: w?.end ?? null,
        openExtended: (w?.extensions ?? 0) > 0,
      };
    });
  };
  if (config.statusPage.enabled) {
    routes.set('/', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const open = processor.openWindows();
      res.end(
        renderStatusPage({ reports: emitter.reports(), history, pending: pendingModels(open), stats: processor.stats(), open, now: clock(), retraining: gate.list() }, statusPageView(req.url)),
      );
    });
  }
  const summaryStats = () => {
    const s = allStats();
    return { receivedPoints: s.receivedPoints, droppedPoints: s.droppedPoints, liveStreams: s.liveStreams, openWindows: s.openWindows, exportFailures: emitter.exportFailuresTotal, exportFailuresByType: emitter.exportFailuresByType() };
  };

  let http: HttpReceiver | undefined;
  let grpc: GrpcReceiver | undefined;
  let httpUrl: string | undefined;
  let grpcAddress: string | undefined;
  const rc = config.receivers;
  const auth = authenticator === undefined ? undefined : { authenticator, protectRoutes: config.auth?.protectStatusPage ?? false };
  try {
    if (rc.http.enabled) {
      const tls = readTlsFiles(rc.http.tls);
      const fallback = decisionHandler({ gate, authenticator, sync: () => processor.sync() });
      http = createHttpReceiver({ host: rc.http.host, port: rc.http.port, consumer, traces, routes, fallback, maxRequestBytes: rc.http.maxBodyBytes, maxDecompressedBytes: rc.http.maxDecompressedBytes, auth, tls });
      const a = await http.listen();
      httpUrl = `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
    if (rc.grpc.enabled) {
      grpc = createGrpcReceiver({ host: rc.grpc.host, port: rc.grpc.port, consumer, traces, auth, tls: readTlsFiles(rc.grpc.tls) });
      const a = await grpc.listen();
      grpcAddress = `${a.host}:${a.port}`;
    }
  } catch (err) {
    await http?.close();
    await grpc?.close();
    processor.close();
    throw err;
  }
  ready = true;
  // approved recommendations whose webhook was not delivered before the last stop
  gate.resume();

  // Windows are evaluated as soon as they close (a timer set for the next window end), and at
  // least every evaluation.interval (windows owed after a restart, extensions).
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;
  const schedule = (): void => {
    if (closed || opts.manualEvaluation) return;
    if (timer) clearTimeout(timer);
    const next = processor.nextWindowEnd();
    const wait = next === undefined ? config.evaluation.intervalMs : Math.min(config.evaluation.intervalMs, Math.max(0, next - clock()) + 50);
    dueAt = clock() + wait;
    timer = setTimeout(() => {
      try {
        evaluateNow();
      } catch (err) {
        diag.error(`otel-ml: evaluation failed: ${(err as Error).message}`);
      }
      schedule();
    }, wait);
    timer.unref();
  };
  schedule();

  return {
    httpUrl,
    grpcAddress,
    evaluateNow,
    reports: () => emitter.reports(),
    history: () => history,
    processor,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      if (timer) clearTimeout(timer);
      await webhook?.close();
      gate.close();
      await http?.close();
      await grpc?.close();
      // shutdown exports what is pending once, bounded in time (a backend that is down must not hold the exit)
      await meterProvider.shutdown({ timeoutMillis: SHUTDOWN_EXPORT_TIMEOUT_MS }).catch(() => undefined);
      await loggerProvider.shutdown().catch(() => undefined);
      await group.drain();
      processor.close();
    },
  };
}
