/**
 * The live service beyond drift: a primary and a canary of one model exported over OTLP in the
 * same window are compared in one evaluation pass; drift recommends retraining, which emits the
 * event, the gauges and a signed webhook call. Results are checked against the conventions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { BaselineFile } from '@otel-ml/conventions';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { buildBaseline } from '../../../../processor/src/offline/baseline.js';
import { DEFAULT_CONFIG, validateConfig } from '../../../../processor/src/service/config.js';
import { verifyWebhook } from '../../../../processor/src/service/webhook.js';
import { startService, type RunningService } from '../../../../processor/src/service/service.js';
import { syntheticRows, toCsv, type SyntheticRow } from '../../../helpers/synthetic.js';

const COLS = { scoreColumn: 'score', labelColumn: 'label', exclude: ['id'] };
let dir: string;
let baseline: BaselineFile;
let baselinePath: string;
let hookServer: Server;
let hookUrl: string;
const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-beyond-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 5_000, seed: 41 })));
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
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/retrain`;
});

afterAll(async () => {
  await new Promise<void>((r) => hookServer.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function send(
  svc: RunningService,
  rows: readonly SyntheticRow[],
  role: 'primary' | 'canary',
  version: string,
  scoreOf: (r: SyntheticRow) => number,
): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'fraud', version, task: 'binary_classification' },
    baseline,
    role,
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${svc.httpUrl}/v1/metrics`,
      temporalityPreference: AggregationTemporality.DELTA,
    }),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({ readers: [reader] });
  for (const r of rows) {
    const score = scoreOf(r);
    monitor.observe({ features: { amount: r.amount, age: r.age, country: r.country }, score });
    monitor.recordOutcome({ score, label: r.label });
  }
  await reader.forceFlush();
  await provider.shutdown();
  monitor.shutdown?.();
}

describe('service: canary verdict and retraining', () => {
  it('compares canary with primary in one pass, recommends retraining on drift, signs the webhook', async () => {
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
    const logs = new InMemoryLogRecordExporter();
    let now = Date.UTC(2026, 10, 25, 12, 0, 30);
    const file = validateConfig({
      retrain: {
        driftWindows: 1,
        minAccuracy: 0.5,
        maxBaselineAge: '30d',
        webhook: { url: hookUrl, secret: 'hook-secret' },
      },
    });
    const svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
        models: [{ name: 'fraud', baseline: baselinePath }],
        statusPage: { enabled: false },
        retrain: file.retrain,
      },
      {
        clock: () => now,
        manualEvaluation: true,
        metricReaders: [reader],
        logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
      },
    );
    try {
      const rows = syntheticRows({ rows: 3_000, seed: 42, amountShift: 0.8 });
      await send(svc, rows, 'primary', '3', (r) => Number(r.score.toFixed(6)));
      // The canary inverts every third score, so it is less accurate.
      await send(svc, rows, 'canary', '4', (r) => Number((r.id % 3 === 0 ? 1 - r.score : r.score).toFixed(6)));
      now += 120_000;
      const reports = svc.evaluateNow();
      expect(reports.map((r) => r.model.role).sort()).toEqual(['canary', 'primary']);
      const primary = reports.find((r) => r.model.role === 'primary')!;
      const canary = reports.find((r) => r.model.role === 'canary')!;
      expect(primary.comparison).toBeNull();
      const c = canary.comparison!;
      expect(c.primary).toEqual({ version: '3', role: 'primary', count: 3000 });
      expect(c.candidate).toEqual({ version: '4', role: 'canary', count: 3000 });
      expect(c.verdict).toBe('candidate_worse');
      expect(c.performance!.rocAuc!.difference).toBeLessThan(0);
      expect(c.performance!.accuracy!.difference).toBeLessThan(-0.01);
      expect(c.reasons[0]).toMatch(/^accuracy worse by/);
      expect(c.score!.pValue).toBeLessThan(1e-6);

      expect(primary.drifted).toContain('amount');
      expect(primary.retrain).toMatchObject({ recommended: true, reasons: ['drift'], driftWindows: 1 });
      expect(primary.estimated!.accuracy).toBeGreaterThan(0.5);

      await reader.forceFlush();
      const rms = metrics.getMetrics();
      const check = liveCheck({ metrics: rms, logs: logs.getFinishedLogRecords() });
      expect(check.violations).toEqual([]);
      const seen = check.metricsSeen;
      for (const m of [
        'ml.canary.verdict',
        'ml.canary.score.jensen_shannon',
        'ml.canary.accuracy.difference',
        'ml.retrain.recommended',
        'ml.performance.estimated.accuracy',
        'ml.performance.estimated.roc_auc',
      ]) {
        expect(seen[m], m).toBeGreaterThanOrEqual(1);
      }
      const events = logs.getFinishedLogRecords().filter((l) => l.eventName === 'ml.retrain.recommended');
      expect(events.map((e) => e.attributes['ml.deployment.role']).sort()).toContain('primary');

      await svc.close(); // drains the webhook queue (bounded grace)
      const got = hooks.filter((h) => (JSON.parse(h.body) as { model: { role: string } }).model.role === 'primary');
      expect(got).toHaveLength(1);
      const h = got[0]!;
      expect(
        verifyWebhook(
          'hook-secret',
          Number(h.headers['x-otel-ml-timestamp']),
          h.body,
          String(h.headers['x-otel-ml-signature']),
        ),
      ).toBe(true);
      expect(JSON.parse(h.body)).toMatchObject({
        type: 'ml.retrain.recommended',
        reasons: ['drift'],
        reviewRequired: true,
      });
    } finally {
      await svc.close();
    }
  });

  it('reads the retrain section of the configuration', () => {
    const c = validateConfig({
      retrain: {
        driftWindows: 2,
        minAccuracy: 0.8,
        maxBaselineAge: '90d',
        webhook: { url: 'https://ci.example/hooks/retrain', secret: 's' },
      },
    });
    expect(c.retrain).toEqual({
      driftWindows: 2,
      minAccuracy: 0.8,
      maxBaselineAgeMs: 90 * 86_400_000,
      webhook: { url: 'https://ci.example/hooks/retrain', secret: 's' },
    });
    expect(validateConfig({}).retrain).toEqual({
      driftWindows: 3,
      minAccuracy: undefined,
      maxBaselineAgeMs: undefined,
      webhook: undefined,
    });
    expect(() => validateConfig({ retrain: { webhook: { url: 'ftp://x' } } })).toThrow(
      /retrain\.webhook\.url: must be an http\(s\) URL/,
    );
    expect(() => validateConfig({ retrain: { minAccuracy: 2 } })).toThrow(/retrain\.minAccuracy/);
    expect(() => validateConfig({ retrain: { every: 1 } })).toThrow(/retrain\.every: unknown key/);
  });
});
