/**
 * The processor's own health on its /metrics, as the otel-ml-self alert rules read it: windows
 * since a model's last point (`ml_processor_model_idle`), evaluation lag
 * (`ml_processor_evaluation_lag`), dropped points by reason and failed exports of results.
 */
import { describe, expect, it } from 'vitest';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { DEFAULT_CONFIG, validateConfig, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { syntheticRows } from '../../helpers/synthetic.js';

const MIN = 60_000;
const START = Date.UTC(2026, 2, 2, 0, 0, 30);

async function send(svc: RunningService, name: string, seed: number): Promise<void> {
  const monitor = createModelMonitor({
    model: { name, version: '1', task: 'binary_classification' },
    features: [{ name: 'amount', type: 'numeric' }],
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
  for (const r of syntheticRows({ rows: 100, seed }))
    monitor.observe({ features: { amount: r.amount }, score: r.score });
  await reader.forceFlush();
  await provider.shutdown();
  await monitor.shutdown();
}

/** Samples of `name` on the processor's /metrics: labels (as text) → value. */
async function samples(svc: RunningService, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`).exec(line);
    // the scope labels are on every sample; the rest identifies it
    if (m) out.set((m[1] ?? '').replace(/,?otel_scope_(name|version)="[^"]*"/g, '').replace('{}', ''), Number(m[2]));
  }
  return out;
}

/** A service on a port of its own, in memory, driven by `clock` and `evaluateNow`. */
function start(file: unknown, clock: () => number): Promise<RunningService> {
  const config: ServiceConfig = {
    ...validateConfig(file),
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: ':memory:', durability: 'normal' },
  };
  return startService(config, { clock, manualEvaluation: true });
}

describe('self-monitoring metrics', () => {
  it("count the windows since each model's last point and how far evaluation is behind", async () => {
    let now = START;
    const svc = await start({ windows: { length: '1m', minRows: 10 } }, () => now);
    try {
      await send(svc, 'fraud', 1);
      await send(svc, 'churn', 2);
      const churn = '{ml_model_name="churn",ml_deployment_role="primary",ml_model_version="1"}';
      const fraud = '{ml_model_name="fraud",ml_deployment_role="primary",ml_model_version="1"}';
      expect(await samples(svc, 'ml_processor_model_idle')).toEqual(
        new Map([
          [fraud, 0],
          [churn, 0],
        ]),
      );
      expect(await samples(svc, 'ml_processor_evaluation_lag')).toEqual(new Map([['', 0]]));

      // both windows end at 00:01:00; 45 s later nothing has closed them yet
      now = START + MIN + 15_000;
      expect((await samples(svc, 'ml_processor_evaluation_lag')).get('')).toBe(45);
      svc.evaluateNow(now);
      expect((await samples(svc, 'ml_processor_evaluation_lag')).get('')).toBe(0);

      // fraud keeps sending, churn stopped
      for (let w = 2; w <= 4; w++) {
        await send(svc, 'fraud', 10 + w);
        now += MIN;
        svc.evaluateNow(now);
      }
      const idle = await samples(svc, 'ml_processor_model_idle');
      expect(idle.get(fraud)).toBe(1); // its last point came a minute ago
      expect(idle.get(churn)).toBe(4); // last point at 00:00:30, now 00:04:45
      expect((await samples(svc, 'ml_processor_evaluation_lag')).get('')).toBe(0);
    } finally {
      await svc.close();
    }
  });

  it('behind a load balancer (streams.handoffGap), the verdict gauges of a model without a point for staleAfter turn NaN; its idle gauge stays', async () => {
    let now = START;
    const svc = await start(
      { windows: { length: '1m', minRows: 10 }, streams: { handoffGap: '150s', staleAfter: '3m' } },
      () => now,
    );
    try {
      // two windows of both models: the second one is evaluated against the first (rolling reference)
      for (let w = 0; w < 2; w++) {
        await send(svc, 'fraud', 20 + w);
        await send(svc, 'churn', 30 + w);
        now += MIN;
        svc.evaluateNow(now);
      }
      const churn = '{ml_model_name="churn",ml_deployment_role="primary",ml_model_version="1"}';
      // verdict series of the model with a number (NaN: retired)
      const verdictsOf = async (model: string) =>
        (await (await fetch(`${svc.httpUrl}/metrics`)).text())
          .split('\n')
          .filter(
            (l) => l.startsWith('ml_verdict_flagged{') && l.includes(`ml_model_name="${model}"`) && !l.endsWith(' NaN'),
          ).length;
      expect(await verdictsOf('churn')).toBeGreaterThan(0);
      // churn moved to another instance (its points stop here); fraud stays
      for (let w = 2; w <= 5; w++) {
        await send(svc, 'fraud', 20 + w);
        now += MIN;
        svc.evaluateNow(now);
        // before staleAfter (2 of 3 min since its last point) its last verdicts are still exported
        if (w === 2) expect(await verdictsOf('churn')).toBeGreaterThan(0);
      }
      expect(await verdictsOf('churn')).toBe(0);
      expect(await verdictsOf('fraud')).toBeGreaterThan(0);
      // the idle gauge stays: MLModelStopped takes the least idle instance
      expect((await samples(svc, 'ml_processor_model_idle')).get(churn)).toBe(5); // last point at 00:01:30, now 00:06:30
    } finally {
      await svc.close();
    }
  });
});
