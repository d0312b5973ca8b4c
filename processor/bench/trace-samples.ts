/**
 * Trace samples (`npm run bench:traces`): what the per-bin span reservoirs cost the processor, at
 * one prediction span per row.
 *
 * The traffic is the instrumentation's own: MODELS models (manual API, `captureFeatures` on,
 * 10 numeric features as exponential histograms, 2 categorical, a binary score), ROWS one-row
 * predictions each, exported by the official OTLP/HTTP protobuf exporters (metrics once per
 * window, spans in batches of 512) to a local server that keeps the request bodies. Then, in this
 * process:
 *
 * 1. Memory per model (V8 heap data, compiled code left out, and ArrayBuffers, after a full GC): the stream state after a first window (closed:
 *    the rolling reference) and the second window's metrics (in-memory SQLite, outside the heap),
 *    and the reservoirs after sampling every span of the second window on the reference's bins.
 *    Target: reservoirs <= 20% of the processor's memory per model.
 * 2. Ingest CPU per row (process.cpuUsage, best of REPEATS): metrics ingest (decode, stream state,
 *    group commit); trace exports discarded (trace samples off); trace decoding; reservoir
 *    sampling of the decoded spans. Target: the reservoirs add <= 10% to ingest CPU.
 *
 *   npm run bench:traces [-- --models 20 --rows 2000 --repeats 5 --samples-per-bin 1]
 */
import { createServer } from 'node:http';
import { getHeapSpaceStatistics } from 'node:v8';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMlMetricProducer, createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import { decodeTracesProtobuf } from '../src/otlp/decode.js';
import type { TracesExport } from '../src/otlp/model.js';
import { handleExport, handleTraceExport } from '../src/receiver/export.js';
import { GroupCommit } from '../src/streams/group-commit.js';
import { StreamProcessor } from '../src/streams/processor.js';
import { TraceSampler, type SampleStreams } from '../src/streams/spans.js';
import { DEFAULT_SAMPLE_OPTIONS, SampleReservoirs } from '../src/windows/samples.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const MODELS = arg('models', 20);
const ROWS = arg('rows', 2000);
const REPEATS = arg('repeats', 5);
const PER_BIN = arg('samples-per-bin', DEFAULT_SAMPLE_OPTIONS.samplesPerBin);
const NUMERIC = Array.from({ length: 10 }, (_, i) => `f${i}`);
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'ES', 'IT', 'NL', 'BE'];
const DEVICES = ['ios', 'android', 'web'];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:traces does)');
/**
 * Data in the V8 heap (all spaces but compiled code, which the first runs of new code add once,
 * not per model) and ArrayBuffer backing stores (the reservoirs keep their samples in one), after
 * a full GC.
 */
const heap = (): number => {
  gc();
  gc();
  let data = 0;
  for (const sp of getHeapSpaceStatistics()) if (!sp.space_name.startsWith('code')) data += sp.space_used_size;
  return data + process.memoryUsage().arrayBuffers;
};
const cpuMs = (f: () => void | Promise<void>) => async (): Promise<number> => {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const best = async (f: () => Promise<number>): Promise<number> => {
  let b = Infinity;
  for (let i = 0; i < REPEATS; i++) b = Math.min(b, await f());
  return b;
};

// ---- traffic: the instrumentation, exported by the OTLP exporters to a local sink -----------------
let bodies: { metrics: Buffer[]; traces: Buffer[] } = { metrics: [], traces: [] };
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    (req.url === '/v1/traces' ? bodies.traces : bodies.metrics).push(Buffer.concat(chunks));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
const base = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const resource = resourceFromAttributes({ 'service.name': 'bench', 'deployment.environment.name': 'prod' });
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
      exportIntervalMillis: 3_600_000,
      metricProducers: [createMlMetricProducer()],
    }),
  ],
});
const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces`, concurrencyLimit: 10_000 }), {
      maxQueueSize: MODELS * ROWS + 1,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 3_600_000,
    }),
  ],
});
let seed = 7;
const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const monitors: ModelMonitor[] = [];
const predictors: ((i: number) => void)[] = [];
for (let m = 0; m < MODELS; m++) {
  const monitor = createModelMonitor({
    model: { name: `model-${m}`, version: '1', task: 'binary_classification' },
    features: [
      ...NUMERIC.map((name) => ({ name, type: 'numeric' as const })),
      { name: 'country', type: 'categorical' as const },
      { name: 'device', type: 'categorical' as const },
    ],
    tracerProvider,
    captureFeatures: true,
  });
  monitors.push(monitor);
  type Row = Record<string, number | string> & { id: string };
  const predict = monitor.wrap(
    (rows: readonly Row[]) => rows.map((r) => 1 / (1 + Math.exp(-((r.f0 as number) / 50 - 1)))),
    {
      inputs: (rows) => rows.map(({ id: _id, ...features }) => features),
      outputs: (scores) => scores.map((score) => ({ score })),
      ids: (rows) => rows.map((r) => r.id),
    },
  );
  predictors.push((i) => {
    const row: Row = { id: `m${m}-${i}` };
    for (const n of NUMERIC) row[n] = Math.exp(rand() * 6);
    row.country = COUNTRIES[Math.floor(rand() * COUNTRIES.length)]!;
    row.device = DEVICES[Math.floor(rand() * DEVICES.length)]!;
    predict([row]);
  });
}
/** One window: ROWS rows per model, then the metrics (cumulative) and spans exported. */
async function window(): Promise<typeof bodies> {
  bodies = { metrics: [], traces: [] };
  for (const p of predictors) for (let i = 0; i < ROWS; i++) p(i);
  await meterProvider.forceFlush();
  await tracerProvider.forceFlush();
  return bodies;
}
// the first window becomes the reference (rolling), the second is the one measured
const first = await window();
bodies = await window();
const spanBytes = bodies.traces.reduce((a, b) => a + b.length, 0);
const metricBytes = bodies.metrics.reduce((a, b) => a + b.length, 0);
console.log(
  `trace samples: node ${process.version}, ${MODELS} models x ${ROWS} one-row predictions (10 numeric + 2 categorical features, captureFeatures), best of ${REPEATS}`,
);
console.log(
  `  exported: ${bodies.metrics.length} metrics requests (${(metricBytes / 1024).toFixed(0)} KiB), ${bodies.traces.length} trace requests (${(spanBytes / 1024 / 1024).toFixed(1)} MiB, ${MODELS * ROWS} spans)`,
);

// ---- 1. memory per model ---------------------------------------------------------------------------
const HOUR = 3_600_000;
let clock = 0;
/** A processor with the first window closed (the rolling reference) and nothing of the second yet. */
async function open(): Promise<StreamProcessor> {
  clock = 0;
  const p = StreamProcessor.open({
    path: ':memory:',
    durability: 'normal',
    clock: () => clock,
    windows: { lengthMs: HOUR, minRows: 50, maxExtensions: 0 },
  });
  await ingestMetrics(p, first.metrics);
  clock = HOUR;
  p.closeDueWindows(clock);
  return p;
}
async function ingestMetrics(processor: StreamProcessor, metrics = bodies.metrics): Promise<void> {
  const group = new GroupCommit(processor);
  for (const b of metrics) {
    const out = await handleExport(b, 'protobuf', 'http', { consume: (exp) => group.submit(exp) });
    if (out.kind !== 'ok' || out.rejectedDataPoints > 0) throw new Error(`metrics ingest: ${JSON.stringify(out)}`);
  }
  await group.drain();
}
// the ingest code is compiled before measuring (a throwaway processor over the same requests)
{
  const warm = await open();
  await ingestMetrics(warm);
  warm.close();
}
const h0 = heap();
const processor = await open();
await ingestMetrics(processor);
const h1 = heap();
const streams = (p: StreamProcessor): SampleStreams => ({
  modelKeyOf: (a, r) => p.modelKeyOf(a, r),
  reference: (k) => p.references(k).rolling ?? p.results.history(k).at(-1),
});
// the decoded spans are held while measuring, so that only what the sampler keeps is counted
const held = bodies.traces.map((b) => decodeTracesProtobuf(b));
// and the references are read once before (the stream state may keep what it read)
for (const k of processor.models()) streams(processor).reference(k);
// and the sampler's code is compiled before (a throwaway sampler over the same spans)
{
  const warm = new TraceSampler(streams(processor), new SampleReservoirs({ samplesPerBin: PER_BIN }), () => clock);
  for (const d of held) warm.consume(d);
}
const h2 = heap();
const sampler = new TraceSampler(streams(processor), new SampleReservoirs({ samplesPerBin: PER_BIN }), () => clock);
for (const d of held) sampler.consume(d);
const h3 = heap();
const counts = sampler.reservoirs.counts();
if (counts.models !== MODELS || sampler.counts().predictionSpans !== MODELS * ROWS)
  throw new Error(`sampled ${JSON.stringify(counts)} ${JSON.stringify(sampler.counts())}`);
const processorPerModel = (h1 - h0) / MODELS;
const reservoirPerModel = (h3 - h2) / MODELS;
console.log(`\n1. memory per model (V8 heap data and ArrayBuffers, full GC; ${PER_BIN} sample(s) per bin)`);
console.table({
  'stream state (open window, cursors, routes, reference read)': `${(processorPerModel / 1024).toFixed(1)} KiB`,
  'trace reservoirs': `${(reservoirPerModel / 1024).toFixed(1)} KiB (${counts.kept / MODELS} samples, ${(reservoirPerModel / (counts.kept / MODELS)).toFixed(0)} B each; refused ${counts.refused})`,
  'reservoirs / stream state': `${((100 * reservoirPerModel) / processorPerModel).toFixed(1)}% (target <= 20%)`,
});
held.length = 0;
processor.close();

// ---- 2. ingest CPU per row -------------------------------------------------------------------------
const rows = MODELS * ROWS;
const metricsMs = await best(async () => {
  const p = await open();
  const ms = await cpuMs(() => ingestMetrics(p))();
  p.close();
  return ms;
});
const discardMs = await best(
  cpuMs(async () => {
    for (const b of bodies.traces) await handleTraceExport(b, 'protobuf', undefined);
  }),
);
let decoded: TracesExport[] = [];
const decodeMs = await best(
  cpuMs(() => {
    decoded = bodies.traces.map((b) => decodeTracesProtobuf(b));
  }),
);
const state = await open();
await ingestMetrics(state);
const sampleMs = await best(
  cpuMs(() => {
    const s = new TraceSampler(streams(state), new SampleReservoirs({ samplesPerBin: PER_BIN }), () => clock);
    for (const d of decoded) s.consume(d);
  }),
);
state.close();
const us = (ms: number) => `${((ms * 1000) / rows).toFixed(2)} µs/row`;
console.log(`\n2. ingest CPU per row (one prediction span per row)`);
console.table({
  'metrics ingest (decode, stream state, commit)': us(metricsMs),
  'trace exports discarded (trace samples off)': us(discardMs),
  'trace decoding (trace samples on)': us(decodeMs),
  'reservoir sampling of the decoded spans': us(sampleMs),
  'reservoirs / (metrics ingest + trace decoding)': `${((100 * sampleMs) / (metricsMs + decodeMs)).toFixed(1)}% (target <= 10%)`,
  'trace samples on (decode + sample) / metrics ingest': `${((100 * (decodeMs + sampleMs)) / metricsMs).toFixed(0)}%`,
});
console.log(
  `load: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1, 5, 15 min)`,
);

for (const m of monitors) await m.shutdown();
await meterProvider.shutdown();
await tracerProvider.shutdown();
sink.close();
