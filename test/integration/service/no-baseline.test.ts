/**
 * Models without a baseline file, as a new user runs them: an instrumented service (no baseline,
 * no boundaries: numeric features are exponential histograms) exports over OTLP to the service,
 * which compares each one-minute window (simulated clock) with a pinned or a rolling reference.
 * Windows 1-3: `tenure` uniform on [25, 45], `balance` normal (100, 20); window 4: `tenure`
 * uniform on [6, 9] (no overlap at all) and `balance` shifted by one standard deviation, 1,000
 * rows per window. Both must be flagged in window 4, nothing before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import type { ModelReport } from '../../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';

const ROWS = 1_000;

let seed = 20261;
const rand = (): number => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const normal = (mean: number, sd: number): number =>
  mean + sd * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());

function rowsOf(window: number): { tenure: number; balance: number; plan: string }[] {
  const drifted = window >= 4;
  return Array.from({ length: ROWS }, () => ({
    tenure: drifted ? 6 + 3 * rand() : 25 + 20 * rand(),
    balance: normal(drifted ? 120 : 100, 20),
    plan: rand() < 0.3 ? 'pro' : 'basic',
  }));
}

function config(reference: 'pinned' | 'rolling'): ServiceConfig {
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0 },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
    models: [{ name: 'churn', reference }],
    exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: false } },
  };
}

/** One sender for the whole run (its exponential histograms only ever lower their scale). */
interface Sender {
  readonly monitor: ModelMonitor;
  readonly reader: PeriodicExportingMetricReader;
  readonly provider: MeterProvider;
}

function sender(svc: RunningService, temporality: AggregationTemporality, transport: 'http' | 'grpc'): Sender {
  const monitor = createModelMonitor({
    model: { name: 'churn', version: '1', task: 'binary_classification' },
    features: [
      { name: 'tenure', type: 'numeric' },
      { name: 'balance', type: 'numeric' },
      { name: 'plan', type: 'categorical' },
    ],
  });
  const exporter =
    transport === 'http'
      ? new ProtoExporter({ url: `${svc.httpUrl}/v1/metrics`, temporalityPreference: temporality })
      : new GrpcExporter({ url: `http://${svc.grpcAddress}`, temporalityPreference: temporality });
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  return { monitor, reader, provider: new MeterProvider({ readers: [reader] }) };
}

/** Sends windows 1..6 one minute apart; returns the report of each evaluated window by its number. */
async function run(
  reference: 'pinned' | 'rolling',
  temporality: AggregationTemporality,
  transport: 'http' | 'grpc',
): Promise<Map<number, ModelReport>> {
  let now = Date.UTC(2026, 10, 25, 12, 0, 30);
  const start = now;
  const svc = await startService(config(reference), { clock: () => now, manualEvaluation: true });
  const s = sender(svc, temporality, transport);
  const reports = new Map<number, ModelReport>();
  try {
    for (let w = 1; w <= 6; w++) {
      for (const r of rowsOf(w)) s.monitor.observe({ features: r, score: rand() });
      await s.reader.forceFlush();
      now += 60_000;
      for (const report of svc.evaluateNow())
        reports.set(Math.round((Date.parse(report.window!.end) - start) / 60_000), report);
    }
  } finally {
    await s.provider.shutdown();
    await s.monitor.shutdown();
    await svc.close();
  }
  return reports;
}

describe('no baseline file: numeric features as exponential histograms, flagged in the first drifted window', () => {
  let results: Map<string, Map<number, ModelReport>>;
  beforeAll(async () => {
    results = new Map();
    results.set('pinned', await run('pinned', AggregationTemporality.DELTA, 'http'));
    results.set('rolling', await run('rolling', AggregationTemporality.CUMULATIVE, 'grpc'));
  });
  afterAll(() => results.clear());

  for (const reference of ['pinned', 'rolling'] as const) {
    it(`${reference} reference: no flag in windows 2-3, a complete shift and a 1 SD mean shift flagged in window 4`, () => {
      const reports = results.get(reference)!;
      // window 1 is the pinned reference, or the first window of the rolling one
      expect([...reports.keys()].sort()).toEqual([2, 3, 4, 5, 6]);
      for (const w of [2, 3]) {
        const r = reports.get(w)!;
        expect(r.reference.kind).toBe(reference);
        expect(r.current.count).toBe(ROWS);
        expect(r.drifted, `window ${w}`).toEqual([]);
        for (const f of ['tenure', 'balance', 'plan'])
          expect(r.features[f]!.drift.verdict, `window ${w} ${f}`).toBe('no_drift');
      }
      const w4 = reports.get(4)!;
      expect(w4.features.tenure!.drift.verdict).toBe('drift');
      expect(w4.features.balance!.drift.verdict).toBe('drift');
      expect(w4.features.plan!.drift.verdict).toBe('no_drift');
      expect([...w4.drifted].sort()).toEqual(['balance', 'tenure']);
      // the whole distribution moved: KS says so too
      expect(w4.features.tenure!.ks).toBeGreaterThan(0.99);
      expect(w4.features.tenure!.chiSquare!.dof).toBeGreaterThanOrEqual(1);
    });
  }

  it('the pinned reference stays window 1, so the later drifted windows stay flagged', () => {
    for (const w of [5, 6]) expect([...results.get('pinned')!.get(w)!.drifted].sort()).toEqual(['balance', 'tenure']);
  });
});
