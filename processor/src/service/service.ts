/**
 * The live processor: OTLP receivers -> stream state (SQLite) -> windows -> evaluation -> results
 * as OpenTelemetry metrics and events, plus a status page, health endpoints and an optional
 * Prometheus endpoint on the HTTP port.
 */
import { readFileSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import { LoggerProvider, BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { hostname } from 'node:os';
import { ExportResultCode } from '@opentelemetry/core';
import { decileBoundariesOf, parseBaselineFile, type BaselineFile } from '@otel-ml/conventions';
import { RetrainWebhook } from './webhook.js';
import type { ModelReport } from '../analysis/report-types.js';
import {
  createGrpcReceiver,
  createHttpReceiver,
  OverloadedError,
  type GrpcReceiver,
  type HttpReceiver,
  type MetricsConsumer,
  type RouteHandler,
  type TracesConsumer,
} from '../receiver/index.js';
import { CommitFailedError } from '../model/errors.js';
import { GroupCommit } from '../streams/group-commit.js';
import { StreamProcessor, parseModelKey } from '../streams/processor.js';
import { TraceSampler } from '../streams/spans.js';
import type { Attributes } from '../otlp/model.js';
import { SampleReservoirs } from '../windows/samples.js';
import type { ReferenceKind } from '../windows/references.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { primaryKeyOf, requestedKind } from '../analysis/reference-choice.js';
import { MovedBins, metricsHandler } from './exemplars.js';
import { ConfigError, modelConfigFor, type ServiceConfig } from './config.js';
import { ResultsEmitter, exportErrorType } from './emit.js';
import { BearerTokenAuthenticator, readTlsFiles, resolveAuthToken } from './auth.js';
import { ReviewGate } from './review.js';
import { decisionHandler } from './review-api.js';
import { createEvaluationLoop, referenceStateOf } from './evaluation-loop.js';
import { serviceRoutes } from './routes.js';

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

export async function startService(config: ServiceConfig, opts: ServiceOptions = {}): Promise<RunningService> {
  const clock = opts.clock ?? Date.now;
  const token = resolveAuthToken(config.auth);
  if (
    token === undefined &&
    (config.retrain?.review === 'required' || config.models.some((m) => m.review === 'required'))
  ) {
    throw new ConfigError(
      'retrain.review: "required" needs auth.token (or auth.tokenFile, or OTEL_ML_AUTH_TOKEN): approving and rejecting recommendations are authenticated',
    );
  }
  const processor = StreamProcessor.open({
    path: config.storage.path,
    durability: config.storage.durability,
    // ingest commits off the event loop (a slow disk write must not stall the receivers)
    commitWorker: true,
    clock,
    limits: {
      maxStreams: config.streams.maxStreams,
      staleAfterMs: config.streams.staleAfterMs,
      deltaIntervals: config.streams.deltaIntervals,
      ...(config.streams.maxSliceValues !== undefined ? { maxSliceValues: config.streams.maxSliceValues } : {}),
      ...(config.streams.handoffGapMs !== undefined ? { handoffGapMs: config.streams.handoffGapMs } : {}),
    },
    resourceAttributes: config.streams.resourceAttributes,
    windows: {
      lengthMs: config.windows.lengthMs,
      minRows: config.windows.minRows,
      maxExtensions: config.windows.maxExtensions,
    },
    references: {
      rollingWindows: config.references.rollingWindows,
      rollingRefreshMs: config.references.rollingRefreshMs,
    },
    retention: config.retention,
  });
  const baselines = new Map<string, BaselineFile>();
  const baselineDeciles = new Map<string, Map<string, readonly number[]>>();
  for (const m of config.models) {
    if (!m.baseline) continue;
    const b = loadBaselineFile(m.baseline, m.name);
    if (b.model.name !== m.name)
      throw new ConfigError(`${m.baseline}: baseline is for model "${b.model.name}", configured for "${m.name}"`);
    processor.setBaseline(b);
    baselines.set(m.name, b);
    baselineDeciles.set(m.name, decileBoundariesOf(b));
  }
  // trace samples (config `traces`): prediction spans sampled per bin, named for the bins that moved most
  const referenceState = referenceStateOf(processor);
  const sampleStreams = {
    modelKeyOf: (a: Attributes, r: Attributes) => processor.modelKeyOf(a, r),
    reference: (key: string): WindowSnapshot | undefined => {
      const own = (k: string) => {
        const refs = processor.references(k);
        const kind = requestedKind(modelConfigFor(config, { model: parseModelKey(k) })?.reference, refs);
        // before a rolling reference is built, the evaluation compares with the windows kept so far
        return (
          refs[kind as ReferenceKind] ??
          refs.baseline ??
          refs.pinned ??
          refs.rolling ??
          processor.results.history(k).findLast((w) => !w.belowMinRows)
        );
      };
      // a canary or shadow is compared with the reference chosen for its primary
      const model = parseModelKey(key);
      const primary =
        model.role === 'primary' ? undefined : primaryKeyOf({ modelKey: key, model, end: NaN }, [], referenceState);
      return (primary === undefined ? undefined : own(primary)) ?? own(key);
    },
    decileEdges: (key: string, feature: string) => baselineDeciles.get(parseModelKey(key).name)?.get(feature),
  };
  const sampler = config.traces?.enabled
    ? new TraceSampler(sampleStreams, new SampleReservoirs(config.traces), clock)
    : undefined;
  const moved = new MovedBins();

  // service.instance.id: the host name (a StatefulSet's pod name), so that the results of several
  // processors behind a load balancer stay apart in a shared backend (docs/scale-out.md);
  // OTEL_RESOURCE_ATTRIBUTES overrides it
  const resource = resourceFromAttributes({
    'service.name': 'otel-ml-processor',
    'service.version': '0.1.0',
    'service.instance.id': hostname(),
  }).merge(detectResources({ detectors: [envDetector] }));
  const readers: IMetricReader[] = [...(opts.metricReaders ?? [])];
  const routes = new Map<string, RouteHandler>();
  // The exporter's failure callback needs the emitter, which needs the meter provider.
  const failures = { count: (_error: unknown): void => undefined };
  if (config.exporters.otlp.enabled) {
    const exporter = new OTLPMetricExporter(
      config.exporters.otlp.endpoint ? { url: config.exporters.otlp.endpoint } : {},
    );
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
    logProcessors.push(
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter(endpoint ? { url: endpoint } : {}),
        exportTimeoutMillis: SHUTDOWN_EXPORT_TIMEOUT_MS,
      }),
    );
  }
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
  // Points the decoder refused never reach the stream state; they are counted here as `malformed`.
  let decodeRejected = 0;
  const allStats = () => {
    const st = processor.stats();
    if (decodeRejected === 0) return st;
    return {
      ...st,
      receivedPoints: st.receivedPoints + decodeRejected,
      droppedPoints: {
        ...st.droppedPoints,
        malformed: ((st.droppedPoints as Record<string, number>).malformed ?? 0) + decodeRejected,
      },
    };
  };
  const emitter = new ResultsEmitter({
    meter: meterProvider.getMeter('@otel-ml/processor', '0.1.0'),
    logger: loggerProvider.getLogger('@otel-ml/processor', '0.1.0'),
    stats: () => allStats(),
    health: () => loop.health(clock()),
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
    diag.warn(
      `results export over OTLP failed (${detail}); ${failedExports} failed so far, counted in ml.processor.export.failures; check OTEL_EXPORTER_OTLP_ENDPOINT and that the Collector is up`,
    );
  };
  const rc0 = config.retrain;
  if (rc0?.webhook && !rc0.webhook.secret)
    throw new Error('retrain.webhook: a secret is required (retrain.webhook.secret or OTEL_ML_RETRAIN_WEBHOOK_SECRET)');
  const webhook = rc0?.webhook
    ? new RetrainWebhook({ url: rc0.webhook.url, secret: rc0.webhook.secret!, clock })
    : undefined;
  const authenticator = token === undefined ? undefined : new BearerTokenAuthenticator(token);
  const gate = new ReviewGate({
    store: processor.retraining(),
    clock,
    onTransition: (r) => emitter.retrainingReview(r),
    send: webhook ? (r, body, done) => webhook.enqueue(body, { id: r.id, onDone: done }) : undefined,
  });

  let ready = false;
  const loop = createEvaluationLoop({
    config,
    processor,
    emitter,
    gate,
    webhook,
    baselines,
    baselineDeciles,
    clock,
    sampler,
    moved,
    onReport: opts.onReport,
    flush: () => {
      // results leave now, not at the next export interval
      if (!config.exporters.otlp.enabled) return;
      meterProvider.forceFlush().catch(() => undefined);
      loggerProvider.forceFlush().catch(() => undefined);
    },
    manual: opts.manualEvaluation,
  });
  // the recent evaluations of each model, so that gauges, the status page and the retraining decision survive restarts
  loop.restore();

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
          loop.pointsStored();
          return r;
        })
        .catch((e: unknown) => {
          if (e instanceof CommitFailedError)
            throw new OverloadedError(5, 'unavailable', `request not stored: ${e.message}`);
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
  for (const [path, handler] of serviceRoutes({
    config,
    processor,
    emitter,
    gate,
    history: loop.history,
    stats: allStats,
    ready: () => ready,
    clock,
  }))
    routes.set(path, handler);

  let http: HttpReceiver | undefined;
  let grpc: GrpcReceiver | undefined;
  let httpUrl: string | undefined;
  let grpcAddress: string | undefined;
  const rc = config.receivers;
  const auth =
    authenticator === undefined ? undefined : { authenticator, protectRoutes: config.auth?.protectStatusPage ?? false };
  try {
    if (rc.http.enabled) {
      const tls = readTlsFiles(rc.http.tls);
      const fallback = decisionHandler({ gate, authenticator, sync: () => processor.sync() });
      http = createHttpReceiver({
        host: rc.http.host,
        port: rc.http.port,
        consumer,
        traces,
        routes,
        fallback,
        maxRequestBytes: rc.http.maxBodyBytes,
        maxDecompressedBytes: rc.http.maxDecompressedBytes,
        auth,
        tls,
      });
      const a = await http.listen();
      httpUrl = `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
    if (rc.grpc.enabled) {
      grpc = createGrpcReceiver({
        host: rc.grpc.host,
        port: rc.grpc.port,
        consumer,
        traces,
        auth,
        tls: readTlsFiles(rc.grpc.tls),
      });
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

  let closed = false;
  // windows are evaluated as soon as they close, and at least every evaluation.interval
  loop.start();

  return {
    httpUrl,
    grpcAddress,
    evaluateNow: loop.evaluateNow,
    reports: () => emitter.reports(),
    history: () => loop.history,
    processor,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      loop.stop();
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
