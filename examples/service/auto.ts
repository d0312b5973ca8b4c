/**
 * Example prediction service, auto-instrumentation: the same fraud model as an ONNX file served by
 * onnxruntime-node. No monitoring code at the call site: `MlInstrumentation` patches onnxruntime,
 * so every `session.run` becomes a span plus the ML metrics. POST /outcome joins labels through the
 * monitor the instrumentation created for the model.
 *
 *   npx tsx examples/service/auto.ts --port 8080 --otlp http://127.0.0.1:4318 [--prometheus]
 *
 * Missing values are imputed with 0 before the tensor is built, so the instrumentation sees the
 * imputed values: missingness is visible with the manual API (manual.ts), which sees the request.
 *
 * In an application of your own, start the SDK before onnxruntime is loaded (for ESM:
 * `node --import @otel-ml/instrumentation/register --import ./telemetry.mjs app.mjs`; see
 * instrumentation/src/auto/README.md). Here the instrumentation is registered first and
 * onnxruntime-node is required afterwards, which the require hook sees.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MlInstrumentation } from '@otel-ml/instrumentation';
import { logisticModel } from '../models/onnx-model.js';
import { listen, type Prediction } from './http.js';
import { FEATURES, MODEL_SPEC, featureVector } from './model.js';
import { isMain, runMain, type ExampleServiceOptions, type RunningExample } from './options.js';
import { createTelemetry } from './telemetry.js';

/** Scores kept for joining outcomes by id (oldest dropped first). */
const MAX_PENDING = 100_000;

export async function startAutoService(o: ExampleServiceOptions = {}): Promise<RunningExample> {
  const telemetry = createTelemetry({
    serviceName: o.serviceName ?? 'fraud-api',
    otlpEndpoint: o.otlpEndpoint,
    traces: o.traces,
    exportIntervalMs: o.exportIntervalMs,
    prometheus: o.prometheus,
  });
  const instrumentation = new MlInstrumentation({
    models: {
      'fraud-detector': { name: 'fraud-detector', version: '1', task: 'binary_classification', features: FEATURES },
    },
  });
  const unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    meterProvider: telemetry.meterProvider,
    tracerProvider: telemetry.tracerProvider,
  });

  const require = createRequire(import.meta.url);
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const dir = mkdtempSync(join(tmpdir(), 'fraud-api-'));
  const modelPath = join(dir, 'fraud-detector.onnx'); // the file name is the model's name
  writeFileSync(modelPath, logisticModel(MODEL_SPEC));
  const session = await ort.InferenceSession.create(modelPath);

  const pending = new Map<string, number>();
  const server = await listen(
    {
      predict: async (rows): Promise<Prediction[]> => {
        const input = new ort.Tensor(
          'float32',
          Float32Array.from(rows.flatMap((r) => featureVector(r.features).map((v) => (Number.isNaN(v) ? 0 : v)))),
          [rows.length, FEATURES.length],
        );
        const out = await session.run({ features: input });
        const probs = out.probability!.data as Float32Array;
        return rows.map((r, i) => {
          const id = r.id ?? randomUUID();
          const score = probs[i]!;
          pending.delete(id);
          pending.set(id, score);
          if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
          return { id, score, fraud: score >= 0.5 };
        });
      },
      outcome: (id, label) => {
        const score = pending.get(id);
        const monitor = instrumentation.getModelMonitors('fraud-detector')[0];
        if (score === undefined || !monitor) return false;
        pending.delete(id);
        return monitor.recordOutcome({ score, label });
      },
      metricsRoute: telemetry.metricsRoute,
    },
    { host: o.host, port: o.port },
  );
  return {
    url: server.url,
    flush: () => telemetry.flush(),
    async close() {
      await server.close();
      await session.release();
      await telemetry.flush().catch(() => undefined);
      unregister();
      await telemetry.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (isMain(import.meta.url)) {
  runMain(startAutoService, 'fraud-api (auto-instrumented onnxruntime)').catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
