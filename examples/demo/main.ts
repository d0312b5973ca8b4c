/**
 * otel-ml demo on embedded defaults: no external services.
 *
 *   npm start                     (or: npx tsx examples/demo/main.ts [--windows 8] [--fast] [--serve])
 *
 * 1. Generates training data for a fraud model and writes its baseline with `otel-ml baseline`'s code.
 * 2. Starts the otel-ml processor (embedded SQLite, OTLP on 127.0.0.1, status page, Prometheus).
 * 3. Builds an ONNX model at start and serves it with onnxruntime-node, auto-instrumented by
 *    MlInstrumentation; metrics go to the processor over OTLP/HTTP protobuf.
 * 4. Sends synthetic traffic window by window (simulated minutes), with outcomes arriving one window
 *    late, and injects drift after a few windows. Each evaluated window is printed as it closes.
 * 5. Writes reports/demo-report.html and reports/demo-report.json (every window's verdicts over time,
 *    then the details of the worst window), then stops (or keeps serving with --serve).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { createMlMetricProducer, MlInstrumentation } from '@otel-ml/instrumentation';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService } from '../../processor/src/service/service.js';
import { renderRunHtml, runVerdicts } from '../../processor/src/render/run.js';
import { multiWindowReport } from '../../processor/src/analysis/run.js';
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { logisticModel } from '../models/onnx-model.js';
import { FEATURES, MODEL_SPEC, generate, type DriftPlan } from './traffic.js';
import { printWindow, bold, dim, red } from './terminal.js';

const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '8' },
    rows: { type: 'string', default: '600' },
    fast: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports' },
  },
});
const WINDOWS = Math.max(3, Math.min(50, Number(args.windows) || 8));
const ROWS = Math.max(100, Math.min(20_000, Number(args.rows) || 600));
const DRIFT_FROM = Math.max(2, Math.floor(WINDOWS / 2));
const WINDOW_MS = 60_000;
const work = resolve('.otel-ml', 'demo');
const outDir = resolve(args.out!);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  console.log(
    bold('otel-ml demo') +
      dim(` · ${WINDOWS} windows of ${ROWS} predictions · drift injected from window ${DRIFT_FROM + 1}`),
  );

  // 1. Training data and baseline.
  const train = generate(20_000, 1, { amountShift: 0, txShift: 0, concept: 0 });
  writeFileSync(join(work, 'train.csv'), train.csv);
  const { baseline } = await buildBaseline({
    data: join(work, 'train.csv'),
    model: 'fraud-detector',
    modelVersion: '1',
    task: 'binary_classification',
    scoreColumn: 'score',
    labelColumn: 'label',
    progress: false,
  });
  writeFileSync(join(work, 'fraud-detector.baseline.json'), JSON.stringify(baseline, null, 2));
  console.log(
    `${dim('baseline')}  ${baseline.source.rows} training rows, ${Object.keys(baseline.features).length} features -> ${join(work, 'fraud-detector.baseline.json')}`,
  );

  // 2. The processor, on a simulated clock so that a one-minute window takes a second or two.
  let now = Date.UTC(2026, 0, 1, 9, 0, 0);
  const svc = await startService(
    {
      ...DEFAULT_CONFIG,
      receivers: {
        http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
        grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0 },
      },
      storage: { path: join(work, 'state.db'), durability: 'normal' },
      windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
      models: [{ name: 'fraud-detector', baseline: join(work, 'fraud-detector.baseline.json'), reference: 'baseline' }],
      exporters: { otlp: { enabled: false, intervalMs: 60_000 }, prometheus: { enabled: true } },
    },
    { clock: () => now, manualEvaluation: true },
  );
  console.log(
    `${dim('processor')} OTLP/HTTP ${svc.httpUrl}/v1/metrics · status page ${svc.httpUrl}/ · Prometheus ${svc.httpUrl}/metrics · state ${join(work, 'state.db')}`,
  );

  // 3. The instrumented model service: instrumentation first, then the model library.
  const producer = createMlMetricProducer();
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${svc.httpUrl}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
    metricProducers: [producer],
  });
  producer.bindReader(reader);
  const meterProvider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'fraud-api', 'deployment.environment.name': 'demo' }),
  });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const instrumentation = new MlInstrumentation({
    models: {
      'fraud-detector': { name: 'fraud-detector', version: '1', task: 'binary_classification', features: FEATURES },
    },
  });
  registerInstrumentations({ instrumentations: [instrumentation], meterProvider, tracerProvider });
  const require = createRequire(import.meta.url);
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const modelPath = join(work, 'fraud-detector.onnx');
  writeFileSync(modelPath, logisticModel(MODEL_SPEC));
  const session = await ort.InferenceSession.create(modelPath);
  console.log(
    `${dim('model')}     ONNX logistic regression over ${FEATURES.length} features, served by onnxruntime-node ${ort.env.versions.node}, instrumented by MlInstrumentation\n`,
  );

  let pendingOutcomes: { score: number; label: 0 | 1 }[] = [];
  const reports: ModelReport[] = [];
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
  });

  for (let w = 0; w < WINDOWS && !stopping; w++) {
    const drift: DriftPlan =
      w >= DRIFT_FROM ? { amountShift: 0.9, txShift: 2, concept: 1 } : { amountShift: 0, txShift: 0, concept: 0 };
    const batch = generate(ROWS, 100 + w, drift);
    const monitor = instrumentation.getModelMonitors('fraud-detector')[0];
    // Outcomes of the previous window's predictions arrive now (one window late).
    for (const o of pendingOutcomes) monitor?.recordOutcome({ score: o.score, label: o.label });
    pendingOutcomes = [];
    for (let i = 0; i < batch.rows.length; i += 4) {
      const rows = batch.rows.slice(i, i + 4);
      const input = new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => r.features)), [
        rows.length,
        FEATURES.length,
      ]);
      const out = await session.run({ features: input });
      const probs = out.probability!.data as Float32Array;
      rows.forEach((r, k) => pendingOutcomes.push({ score: probs[k]!, label: r.label }));
    }
    await reader.forceFlush();
    now += WINDOW_MS;
    const evaluated = svc.evaluateNow();
    for (const r of evaluated) {
      reports.push(r);
      printWindow(r, w + 1, spans.getFinishedSpans().length);
    }
    spans.reset();
    if (!args.fast) await sleep(700);
  }

  // 5. A report of the whole run: every window's verdicts, then the details of the worst window;
  // the same summary as the lines below and the status page's.
  if (reports.length === 0) throw new Error('no window was evaluated');
  const run = multiWindowReport(reports);
  writeFileSync(join(outDir, 'demo-report.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(outDir, 'demo-report.html'), renderRunHtml(run));
  const verdicts = runVerdicts(run.run, reports);
  console.log(`\n${bold(verdicts.drift)}`);
  if (verdicts.retrain) console.log(verdicts.bad.retrain ? red(verdicts.retrain) : verdicts.retrain);
  console.log(`details   window ${run.run.detail.window}, the worst: ${run.run.detail.reason}`);
  console.log(`reports   ${join(outDir, 'demo-report.html')} · ${join(outDir, 'demo-report.json')}`);
  if (args.serve && !stopping) {
    console.log(`serving the status page at ${svc.httpUrl}/ — Ctrl-C to stop`);
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  await session.release();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  await svc.close();
  if (run.run.driftedWindows.length === 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
