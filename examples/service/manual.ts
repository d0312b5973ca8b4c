/**
 * Example prediction service, manual API: the model call is wrapped by `createModelMonitor`
 * (span, inference duration, features and score per row), a retrained candidate runs in shadow
 * (ml.shadow.agreement), and POST /outcome joins true labels to predictions by id.
 *
 *   npx tsx examples/service/manual.ts --port 8080 --otlp http://127.0.0.1:4318 [--prometheus]
 *
 * No baseline file is needed: the numeric features are exported as exponential histograms, and
 * the processor compares them with the baseline it was given (or with production windows).
 */
import { createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import { listen, type PredictRequest, type Prediction } from './http.js';
import { CANDIDATE_SPEC, FEATURES, MODEL_SPEC, featureVector, scoreBatch } from './model.js';
import { isMain, runMain, type ExampleServiceOptions, type RunningExample } from './options.js';
import { createTelemetry } from './telemetry.js';

export const MODEL = {
  name: 'fraud-detector',
  version: '1',
  task: 'binary_classification',
  framework: 'custom',
} as const;

export interface ManualService extends RunningExample {
  readonly monitor: ModelMonitor;
}

export async function startManualService(o: ExampleServiceOptions = {}): Promise<ManualService> {
  const telemetry = createTelemetry({
    serviceName: o.serviceName ?? 'fraud-api',
    otlpEndpoint: o.otlpEndpoint,
    traces: o.traces,
    exportIntervalMs: o.exportIntervalMs,
    prometheus: o.prometheus,
  });
  const monitor = createModelMonitor({
    model: MODEL,
    features: FEATURES.map((name) => ({ name, type: 'numeric' as const })),
    tracerProvider: telemetry.tracerProvider,
    ...(o.captureFeatures !== undefined ? { captureFeatures: o.captureFeatures } : {}),
  });
  const vectors = (rows: readonly PredictRequest[]) => rows.map((r) => featureVector(r.features));
  let ids: readonly string[] = [];
  const predict = monitor.wrap((rows: readonly PredictRequest[]) => scoreBatch(MODEL_SPEC, vectors(rows)), {
    inputs: vectors,
    outputs: (scores) => scores.map((score) => ({ score })),
    ids: (rows) => rows.map((r) => r.id),
    onPredictions: (given) => {
      ids = given;
    },
  });
  // The candidate sees every call off the request path; its rows are recorded under role shadow.
  const shadow = monitor.shadow((rows: readonly PredictRequest[]) => scoreBatch(CANDIDATE_SPEC, vectors(rows)));

  const server = await listen(
    {
      predict: (rows): Prediction[] => {
        ids = [];
        const scores = predict(rows);
        return scores.map((score, i) => ({ id: ids[i] ?? rows[i]?.id ?? '', score, fraud: score >= 0.5 }));
      },
      outcome: (id, label) => monitor.recordOutcome(id, label),
      metricsRoute: telemetry.metricsRoute,
    },
    { host: o.host, port: o.port },
  );
  return {
    url: server.url,
    monitor,
    flush: async () => {
      await new Promise((r) => setImmediate(r)); // let shadow calls of the last requests finish
      await telemetry.flush();
    },
    async close() {
      shadow.stop();
      await server.close();
      await telemetry.flush().catch(() => undefined);
      await monitor.shutdown();
      await telemetry.shutdown();
    },
  };
}

if (isMain(import.meta.url)) {
  runMain(startManualService, 'fraud-api (manual instrumentation)').catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
