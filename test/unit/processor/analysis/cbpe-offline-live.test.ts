/**
 * Label-free performance estimation on synthetic data from a calibrated model (label ~
 * Bernoulli(score)) under covariate shift (log-amount shifted by 0.8 sd): the estimate from the
 * score histogram alone is within 0.02 of the realized accuracy and ROC AUC, and the offline
 * report (runReport) and the live service (startService, OTLP over loopback) give the same numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { BaselineFile } from '@otel-ml/conventions';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { buildBaseline } from '../../../../processor/src/offline/baseline.js';
import { runReport } from '../../../../processor/src/offline/report.js';
import { DEFAULT_CONFIG } from '../../../../processor/src/service/config.js';
import { startService } from '../../../../processor/src/service/service.js';
import { syntheticRows, toCsv } from '../../../helpers/synthetic.js';

const COLS = { scoreColumn: 'score', labelColumn: 'label', exclude: ['id'] };
let dir: string;
let baseline: BaselineFile;
let baselinePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-cbpe-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 20_000, seed: 31 })));
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
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CBPE offline and live', () => {
  it('estimates accuracy and AUC within 0.02 of realized, with the same numbers offline and live', async () => {
    const rows = syntheticRows({ rows: 5_000, seed: 32, amountShift: 0.8 });
    writeFileSync(join(dir, 'current.csv'), toCsv(rows));
    const offline = await runReport({ baseline, data: join(dir, 'current.csv'), ...COLS, progress: false });
    const e = offline.estimated!;
    expect(e).not.toBeNull();
    expect(offline.prediction.score!.drift.verdict).toBe('drift');
    expect(Math.abs(e.accuracy - offline.performance!.accuracy!)).toBeLessThan(0.02);
    expect(Math.abs(e.rocAuc! - offline.performance!.rocAuc!)).toBeLessThan(0.02);
    expect(e.realized!.accuracy).toBe(offline.performance!.accuracy);

    let now = Date.UTC(2026, 10, 25, 12, 0, 30);
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
      },
      { clock: () => now, manualEvaluation: true },
    );
    try {
      const monitor = createModelMonitor({
        model: { name: 'fraud', version: '3', task: 'binary_classification' },
        baseline,
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
        // The values exactly as the CSV holds them (toCsv rounds), so both paths bin the same rows.
        const score = Number(r.score.toFixed(6));
        const amount = r.amount === null ? null : Number(r.amount.toFixed(4));
        monitor.observe({ features: { amount, age: Number(r.age.toFixed(3)), country: r.country }, score });
        monitor.recordOutcome({ score, label: r.label });
      }
      await reader.forceFlush();
      await provider.shutdown();
      monitor.shutdown?.();
      now += 120_000;
      const [live] = svc.evaluateNow();
      const l = live!.estimated!;
      expect(l.accuracy).toBe(e.accuracy);
      expect(l.rocAuc).toBe(e.rocAuc);
      expect(l.f1).toBe(e.f1);
      expect(live!.performance!.accuracy).toBe(offline.performance!.accuracy);
      expect(live!.performance!.rocAuc).toBe(offline.performance!.rocAuc);
      // the figures, on request (OTEL_ML_TEST_FIGURES=1); the assertions above hold them
      if (process.env.OTEL_ML_TEST_FIGURES)
        console.log(
          `CBPE (5000 shifted rows, reference 20000): estimated accuracy ${e.accuracy.toFixed(4)} vs realized ${offline.performance!.accuracy!.toFixed(4)}; ` +
            `estimated AUC ${e.rocAuc!.toFixed(4)} vs realized ${offline.performance!.rocAuc!.toFixed(4)}; live identical`,
        );
    } finally {
      await svc.close();
    }
  });
});
