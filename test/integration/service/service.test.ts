/**
 * The live path end to end, in process: a service instrumented with createModelMonitor exports
 * through the official OTLP exporters (HTTP JSON, HTTP protobuf, gRPC; delta and cumulative) to
 * the processor; the processor evaluates the window against a baseline and exports its results
 * over OTLP to an in-test receiver, where they are checked against the conventions and against
 * the offline report of the same rows. Numeric features travel as exponential histograms (the
 * instrumentation's default); the same rows sent as explicit histograms on the baseline's
 * boundaries give the same verdicts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createModelMonitor } from '@otel-ml/instrumentation';
import type { BaselineFile } from '@otel-ml/conventions';
import { buildBaseline } from '../../../processor/src/offline/baseline.js';
import { runReport } from '../../../processor/src/offline/report.js';
import { ConfigError, DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { createHttpReceiver, type HttpReceiver } from '../../../processor/src/receiver/index.js';
import type { MetricsExport } from '../../../processor/src/otlp/model.js';
import { syntheticRows, toCsv, type SyntheticRow } from '../../helpers/synthetic.js';

const COLS = { scoreColumn: 'score', labelColumn: 'label', exclude: ['id'] };
const FRAUD_KEY = JSON.stringify(['fraud', '3', 'primary', '']);
let dir: string;
let baseline: BaselineFile;
let baselinePath: string;
let sink: HttpReceiver;
let sinkUrl: string;
const received: MetricsExport[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-svc-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 10_000, seed: 11 })));
  baseline = (
    await buildBaseline({
      data: join(dir, 'train.csv'),
      model: 'fraud',
      modelVersion: '3',
      task: 'binary_classification',
      ...COLS,
      progress: false,
    })
  ).baseline;
  baselinePath = join(dir, 'fraud.baseline.json');
  writeFileSync(baselinePath, JSON.stringify(baseline));
  // The in-test backend that receives the processor's results.
  sink = createHttpReceiver({
    host: '127.0.0.1',
    port: 0,
    consumer: { consume: (exp) => (received.push(exp), { rejectedDataPoints: 0 }) },
  });
  const a = await sink.listen();
  sinkUrl = `http://127.0.0.1:${a.port}/v1/metrics`;
});

afterAll(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0 },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
    models: [{ name: 'fraud', baseline: baselinePath }],
    exporters: { otlp: { enabled: true, endpoint: sinkUrl, intervalMs: 3_600_000 }, prometheus: { enabled: true } },
    ...over,
  };
}

type Sender = 'http-json' | 'http-proto' | 'grpc';

function exporterFor(kind: Sender, svc: RunningService, temporality: AggregationTemporality): PushMetricExporter {
  const temporalityPreference = temporality;
  if (kind === 'http-json') return new HttpJsonExporter({ url: `${svc.httpUrl}/v1/metrics`, temporalityPreference });
  if (kind === 'http-proto')
    return new ProtoExporter({ url: `${svc.httpUrl}/v1/metrics`, temporalityPreference, compression: 'gzip' as never });
  return new GrpcExporter({ url: `http://${svc.grpcAddress}`, temporalityPreference });
}

/**
 * Runs rows through an instrumented "service" and exports them to the processor, in `exports`
 * flushes. `explicit`: numeric features on the baseline's boundaries instead of exponential.
 */
async function send(
  svc: RunningService,
  kind: Sender,
  temporality: AggregationTemporality,
  rows: readonly SyntheticRow[],
  instance: string,
  exports = 2,
  explicit = false,
): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'fraud', version: '3', task: 'binary_classification' },
    baseline,
    ...(explicit
      ? {
          features: Object.entries(baseline.features).map(([name, f]) =>
            f.type === 'numeric'
              ? { name, type: 'numeric' as const, boundaries: f.boundaries }
              : { name, type: 'categorical' as const },
          ),
        }
      : {}),
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: exporterFor(kind, svc, temporality),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'fraud-api', 'service.instance.id': instance }),
  });
  const per = Math.ceil(rows.length / exports);
  for (let i = 0; i < rows.length; i += per) {
    for (const r of rows.slice(i, i + per)) {
      // The same rounding as the CSV the offline report reads, so both see identical values.
      const amount = r.amount === null ? null : Number(r.amount.toFixed(4));
      const score = Number(r.score.toFixed(6));
      monitor.observe({ features: { amount, age: Number(r.age.toFixed(3)), country: r.country }, score });
      monitor.recordOutcome({ score, label: r.label });
    }
    await reader.forceFlush();
  }
  await provider.shutdown();
  monitor.shutdown?.();
}

async function withService<T>(
  fn: (svc: RunningService, advance: (ms: number) => void, logs: InMemoryLogRecordExporter) => Promise<T>,
  over: Partial<ServiceConfig> = {},
): Promise<T> {
  const logs = new InMemoryLogRecordExporter();
  let now = Date.UTC(2026, 10, 25, 12, 0, 30);
  const svc = await startService(config(over), {
    clock: () => now,
    manualEvaluation: true,
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
  });
  try {
    return await fn(svc, (ms) => (now += ms), logs);
  } finally {
    await svc.close();
  }
}

describe('processor service', () => {
  it('refuses to start with a configured baseline it cannot read, as a configuration error that says what to do', async () => {
    const missing = join(dir, 'missing.baseline.json');
    const start = startService(config({ models: [{ name: 'fraud', baseline: missing }] }), { manualEvaluation: true });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(
      `models: fraud: cannot read its baseline ${missing} (ENOENT); write it with \`otel-ml baseline --model fraud --out ${missing} ...\`, or correct the path`,
    );
  });

  it('answers GET /metrics on the HTTP port by default, and 404 when the Prometheus exporter is turned off', async () => {
    const defaults = { exporters: { ...DEFAULT_CONFIG.exporters, otlp: { enabled: false, intervalMs: 3_600_000 } } };
    await withService(async (svc) => {
      const r = await fetch(`${svc.httpUrl}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      // the processor's own figures are there before any window closed
      expect(await r.text()).toMatch(/^# TYPE ml_/m);
    }, defaults);
    await withService(
      async (svc) => {
        expect((await fetch(`${svc.httpUrl}/metrics`)).status).toBe(404);
      },
      { exporters: { ...defaults.exporters, prometheus: { enabled: false } } },
    );
  });

  const shifted = syntheticRows({ rows: 2_000, seed: 12, amountShift: 0.8 });

  it('serves the alert playbooks that notifications link to', async () => {
    await withService(async (svc) => {
      const res = await fetch(`${svc.httpUrl}/playbooks/feature-drift.md`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(await res.text()).toMatch(/^# Feature drift \(MLFeatureDrift\)/);
      expect(await (await fetch(`${svc.httpUrl}/playbooks/`)).text()).toMatch(/^# Playbooks for the otel-ml alerts/);
      expect((await fetch(`${svc.httpUrl}/playbooks/nope.md`)).status).toBe(404);
    });
  });

  it('evaluates a window when it ends, not at the next evaluation interval, and pushes the results over OTLP at once', async () => {
    // The processor's clock runs 1.2 s before the end of a window; the interval (10 s) and the
    // OTLP export interval (1 h) are far longer than the wait this test allows.
    const end = Date.UTC(2026, 10, 25, 12, 1, 0);
    const offset = end - 1_200 - Date.now();
    const reports: number[] = [];
    const svc = await startService(config(), {
      clock: () => Date.now() + offset,
      onReport: () => reports.push(Date.now() + offset),
    });
    try {
      const before = received.length;
      await send(svc, 'http-proto', AggregationTemporality.CUMULATIVE, shifted.slice(0, 600), 'a', 1);
      const deadline = Date.now() + 8_000;
      while (reports.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(reports).toHaveLength(1);
      expect(reports[0]!).toBeGreaterThanOrEqual(end);
      while (received.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const names = received
        .slice(before)
        .flatMap((e) =>
          e.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name))),
        );
      expect(names).toContain('ml.verdict.flagged');
    } finally {
      await svc.close();
    }
  });

  for (const kind of ['http-json', 'http-proto', 'grpc'] as const) {
    for (const temporality of [AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE]) {
      it(`detects drift from ${kind} ${temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative'} exports, with the offline numbers and the verdicts of explicit histograms`, async () => {
        const exponential = await withService(async (svc, advance) => {
          await send(svc, kind, temporality, shifted, 'a');
          advance(120_000);
          const [report] = svc.evaluateNow();
          expect(report).toBeDefined();
          expect(report!.current.count).toBe(2_000);
          expect(report!.drifted).toEqual(['amount']);
          // the numeric features came as exponential histograms
          expect(svc.processor.results.history(FRAUD_KEY)[0]!.features.amount!.exponential!.count).toBe(
            report!.features.amount!.count,
          );
          // Live and offline numbers for the same rows are the same numbers.
          writeFileSync(join(dir, `cur-${kind}-${temporality}.csv`), toCsv(shifted));
          const offline = await runReport({
            baseline,
            data: join(dir, `cur-${kind}-${temporality}.csv`),
            ...COLS,
            progress: false,
          });
          for (const f of ['amount', 'age', 'country']) {
            expect(report!.features[f]!.psi).toBe(offline.features[f]!.psi);
            expect(report!.features[f]!.ks).toBe(offline.features[f]!.ks);
            expect(report!.features[f]!.chiSquare).toEqual(offline.features[f]!.chiSquare);
          }
          expect(report!.calibration!.ece).toBe(offline.calibration!.ece);
          expect(report!.performance!.rocAuc).toBe(offline.performance!.rocAuc);
          return report!;
        });
        // the same rows as explicit histograms on the baseline's boundaries: the same verdicts
        const explicit = await withService(async (svc, advance) => {
          await send(svc, kind, temporality, shifted, 'a', 2, true);
          advance(120_000);
          const [report] = svc.evaluateNow();
          expect(svc.processor.results.history(FRAUD_KEY)[0]!.features.amount!.exponential).toBeUndefined();
          return report!;
        });
        expect(explicit.drifted).toEqual(exponential.drifted);
        for (const f of ['amount', 'age', 'country'])
          expect(explicit.features[f]!.drift.verdict, f).toBe(exponential.features[f]!.drift.verdict);
        expect(explicit.prediction.score!.drift.verdict).toBe(exponential.prediction.score!.drift.verdict);
      });
    }
  }

  it('merges three sender instances into one distribution', async () => {
    await withService(async (svc, advance) => {
      await send(svc, 'http-proto', AggregationTemporality.CUMULATIVE, shifted.slice(0, 700), 'a');
      await send(svc, 'http-json', AggregationTemporality.DELTA, shifted.slice(700, 1400), 'b');
      await send(svc, 'grpc', AggregationTemporality.CUMULATIVE, shifted.slice(1400), 'c');
      advance(120_000);
      const [report] = svc.evaluateNow();
      expect(report!.current.count).toBe(2_000);
      expect(report!.features.amount!.count + Math.round(report!.features.amount!.missingRate! * 2000)).toBe(2000);
    });
  });

  it('exports results over OTLP and Prometheus under the conventions, with a drift event', async () => {
    received.length = 0;
    await withService(async (svc, advance, logs) => {
      await send(svc, 'http-proto', AggregationTemporality.DELTA, shifted, 'a');
      advance(120_000);
      const [report] = svc.evaluateNow();
      const prom = await (await fetch(`${svc.httpUrl}/metrics`)).text();
      expect(prom).toMatch(/ml_drift_psi\{[^}]*ml_feature_name="amount"[^}]*\} [0-9.]+/);
      const events = logs.getFinishedLogRecords().filter((l) => l.eventName === 'ml.drift.detected');
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.at(-1)!.attributes['ml.drift.features']).toEqual(['amount']);
      expect(liveCheck({ logs: events }).violations).toEqual([]);
      await svc.close();
      const metrics = received.flatMap((e) => e.resourceMetrics);
      const psi = metrics
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.name === 'ml.drift.psi');
      expect(psi?.data.type).toBe('gauge');
      const amount =
        psi!.data.type === 'gauge'
          ? psi!.data.points.find((p) => p.attributes['ml.feature.name'] === 'amount')
          : undefined;
      expect(amount?.value).toBeCloseTo(report!.features.amount!.psi!, 12);
      expect(amount?.attributes).toMatchObject({
        'ml.model.name': 'fraud',
        'ml.model.version': '3',
        'ml.drift.reference': 'baseline',
        'ml.drift.signal': 'feature',
      });
      const detected = metrics
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.name === 'ml.drift.detected');
      expect(detected).toBeDefined();
      const refAuc = metrics
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.name === 'ml.performance.reference.roc_auc');
      expect(refAuc?.data.type === 'gauge' ? refAuc.data.points[0]?.value : undefined).toBeCloseTo(
        report!.performance!.reference.rocAuc!,
        12,
      );
      const check = liveCheck({ metrics });
      expect(check.violations).toEqual([]);
      expect(check.metricsSeen['ml.calibration.ece']).toBeGreaterThanOrEqual(1);
      expect(check.metricsSeen['ml.processor.points.received']).toBeGreaterThanOrEqual(1);
    });
  });

  it('compares with a pinned production window', async () => {
    const normal = syntheticRows({ rows: 1_500, seed: 21 });
    await withService(
      async (svc, advance) => {
        await send(svc, 'http-json', AggregationTemporality.DELTA, normal, 'a');
        advance(60_000);
        expect(svc.evaluateNow()).toEqual([]); // the first window becomes the reference
        await send(svc, 'http-json', AggregationTemporality.DELTA, shifted, 'a');
        advance(60_000);
        const [report] = svc.evaluateNow();
        expect(report!.reference).toEqual({
          kind: 'pinned',
          count: 1_500,
          requested: 'pinned',
          fallback: null,
          window: { start: '2026-11-25T12:00:00.000Z', end: '2026-11-25T12:01:00.000Z' },
          of: null,
        });
        expect(report!.drifted).toContain('amount');
      },
      { models: [{ name: 'fraud', reference: 'pinned' }] },
    );
  });

  it('after a restart, evaluates windows that closed but were never evaluated', async () => {
    const path = join(dir, `owed-${Date.now()}.db`);
    let now = Date.UTC(2026, 10, 25, 12, 0, 30);
    const first = await startService(
      { ...config(), storage: { path, durability: 'full' } },
      { clock: () => now, manualEvaluation: true },
    );
    await send(first, 'grpc', AggregationTemporality.CUMULATIVE, shifted, 'a');
    now += 120_000;
    expect(first.processor.closeDueWindows(now)).toHaveLength(1); // closed, then the process "dies" before evaluating
    await first.close();
    const second = await startService(
      { ...config(), storage: { path, durability: 'full' } },
      { clock: () => now, manualEvaluation: true },
    );
    try {
      const [report] = second.evaluateNow();
      expect(report!.current.count).toBe(2_000);
      expect(report!.drifted).toEqual(['amount']);
      expect(second.evaluateNow()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('after a restart, keeps the recent reports: the retraining decision counts drifted windows from before it', async () => {
    const path = join(dir, `history-${Date.now()}.db`);
    let now = Date.UTC(2026, 10, 25, 12, 0, 30);
    const retrain = { driftWindows: 2, minAccuracy: undefined, maxBaselineAgeMs: undefined, webhook: undefined };
    const start = () =>
      startService(
        { ...config(), storage: { path, durability: 'full' }, retrain },
        { clock: () => now, manualEvaluation: true },
      );
    const first = await start();
    await send(first, 'http-proto', AggregationTemporality.DELTA, shifted, 'a');
    now += 120_000;
    const [one] = first.evaluateNow();
    expect(one!.drifted).toEqual(['amount']);
    expect(one!.retrain).toMatchObject({ recommended: false, driftWindows: 1 });
    await first.close();
    const second = await start();
    try {
      expect(second.history().get(JSON.stringify(['fraud', '3', 'primary', '']))).toEqual([one]);
      await send(second, 'http-proto', AggregationTemporality.DELTA, shifted, 'a');
      now += 60_000;
      const [two] = second.evaluateNow();
      expect(two!.drifted).toEqual(['amount']);
      // the second drifted window in a row, the first one evaluated before the restart
      expect(two!.retrain).toMatchObject({ recommended: true, reasons: ['drift'], driftWindows: 2 });
    } finally {
      await second.close();
    }
  });

  it('serves health, readiness, the status page and refuses bad requests', async () => {
    await withService(async (svc, advance) => {
      expect((await fetch(`${svc.httpUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${svc.httpUrl}/readyz`)).status).toBe(200);
      await send(svc, 'http-json', AggregationTemporality.DELTA, shifted.slice(0, 500), 'a');
      advance(120_000);
      svc.evaluateNow();
      const page = await (await fetch(`${svc.httpUrl}/`)).text();
      expect(page).toContain('data-model="fraud"');
      expect(page).toMatch(/class="plot overlay"/);
      const bad = await fetch(`${svc.httpUrl}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array([0xff, 0xff, 0xff]),
      });
      expect(bad.status).toBe(400);
      // One point whose bucket counts disagree with its count: refused by the decoder, the request
      // still succeeds (partial success), and the drop is counted as malformed.
      const point = {
        attributes: [
          { key: 'ml.model.name', value: { stringValue: 'fraud' } },
          { key: 'ml.feature.name', value: { stringValue: 'age' } },
        ],
        startTimeUnixNano: '1',
        timeUnixNano: '2',
        count: '5',
        sum: 1,
        bucketCounts: ['1', '1'],
        explicitBounds: [0],
      };
      const body = {
        resourceMetrics: [
          {
            resource: { attributes: [] },
            scopeMetrics: [
              {
                scope: { name: 't' },
                metrics: [
                  {
                    name: 'ml.feature.value',
                    unit: '1',
                    histogram: { aggregationTemporality: 1, dataPoints: [point] },
                  },
                ],
              },
            ],
          },
        ],
      };
      const partial = await fetch(`${svc.httpUrl}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(partial.status).toBe(200);
      expect(
        ((await partial.json()) as { partialSuccess: { rejectedDataPoints: string } }).partialSuccess
          .rejectedDataPoints,
      ).toBe('1');
      const ready = (await (await fetch(`${svc.httpUrl}/readyz`)).json()) as { droppedPoints: Record<string, number> };
      expect(ready.droppedPoints.malformed).toBe(1);
    });
  });
});
